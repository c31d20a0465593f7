package io.github.chmigrator.legacy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import io.github.chmigrator.core.AtomicFiles;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

/**
 * The progress file of the original script (design §12.3), format version {@value #VERSION}:
 *
 * <pre>
 * {
 *   "version": 1,
 *   "updatedAt": "2026-11-21T08:30:10Z",
 *   "tables": {
 *     "db.events": {
 *       "status": "in_progress",            // in_progress, completed, failed
 *       "targetTable": "events__migrating", // where the partitions were copied; the table itself when moved in place
 *       "targetPolicy": "s3",
 *       "startedAt": "…", "updatedAt": "…", "completedAt": null,
 *       "completedPartitions": { "202401": { "rows": 25854, "completedAt": "…" } }
 *     }
 *   }
 * }
 * </pre>
 *
 * A partition is listed once its rows are verified in the target table and its source parts are
 * dropped. The JobRepository stays the source of truth; this file is exported after every
 * partition for tools that read it, and imported with {@code --resume}.
 *
 * @param version the format version
 * @param updatedAt when the file was last written (ISO-8601)
 * @param tables per {@code database.table}
 */
public record ProgressFile(int version, String updatedAt, Map<String, TableProgress> tables) {

	public static final int VERSION = 1;

	private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

	public ProgressFile {
		tables = new TreeMap<>((tables != null) ? tables : Map.of());
	}

	public static ProgressFile empty() {
		return new ProgressFile(VERSION, null, Map.of());
	}

	/** Reads a progress file; a missing file is an empty one. */
	public static ProgressFile read(Path file) {
		if (!Files.exists(file)) {
			return empty();
		}
		try {
			ProgressFile progress = JSON.readValue(file.toFile(), ProgressFile.class);
			if (progress.version() != VERSION) {
				throw new MigratorException(ExitCodes.INVALID, "progress file " + file + " has format version "
						+ progress.version() + "; this migrator reads version " + VERSION);
			}
			return progress;
		}
		catch (JacksonException ex) {
			throw new MigratorException(ExitCodes.INVALID,
					"progress file " + file + " is not valid: " + ex.getOriginalMessage());
		}
	}

	/** Writes the file atomically: a temporary file in the same directory, then a rename. */
	public void write(Path file) throws IOException {
		AtomicFiles.write(file, JSON.writeValueAsString(this));
	}

	public TableProgress table(String qualifiedTable) {
		return this.tables.get(qualifiedTable);
	}

	/** A copy with one table replaced. */
	public ProgressFile with(String qualifiedTable, TableProgress table, String now) {
		Map<String, TableProgress> all = new LinkedHashMap<>(this.tables);
		all.put(qualifiedTable, table);
		return new ProgressFile(VERSION, now, all);
	}

	/**
	 * One table.
	 *
	 * @param status {@code in_progress}, {@code completed} or {@code failed}
	 * @param targetTable the table the partitions were copied into, or the table itself when its partitions
	 * were moved in place
	 * @param targetPolicy the target storage policy
	 * @param startedAt when the migration started
	 * @param updatedAt when this entry last changed
	 * @param completedAt when the table was swapped, {@code null} before
	 * @param completedPartitions partition id to what was recorded for it
	 */
	public record TableProgress(String status, String targetTable, String targetPolicy, String startedAt, String updatedAt,
			String completedAt, Map<String, PartitionProgress> completedPartitions) {

		public TableProgress {
			completedPartitions = new TreeMap<>((completedPartitions != null) ? completedPartitions : Map.of());
		}

		public TableProgress withPartition(String partitionId, PartitionProgress partition, String now) {
			return withPartitions(Map.of(partitionId, partition), now);
		}

		public TableProgress withPartitions(Map<String, PartitionProgress> more, String now) {
			Map<String, PartitionProgress> partitions = new LinkedHashMap<>(this.completedPartitions);
			partitions.putAll(more);
			return new TableProgress(this.status, this.targetTable, this.targetPolicy, this.startedAt, now,
					this.completedAt, partitions);
		}

		public TableProgress withTargetTable(String targetTable) {
			return new TableProgress(this.status, targetTable, this.targetPolicy, this.startedAt, this.updatedAt,
					this.completedAt, this.completedPartitions);
		}

		public TableProgress withStatus(String status, String now) {
			return new TableProgress(status, this.targetTable, this.targetPolicy, this.startedAt, now,
					status.equals("completed") ? now : this.completedAt, this.completedPartitions);
		}

	}

	/**
	 * One completed partition.
	 *
	 * @param rows rows verified in the target table
	 * @param completedAt when it completed
	 */
	public record PartitionProgress(long rows, String completedAt) {

	}

}
