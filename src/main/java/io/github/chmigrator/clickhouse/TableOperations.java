package io.github.chmigrator.clickhouse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The statements that change tables during a migration, and the reads that check them. All
 * names are quoted here; callers pass plain names.
 */
public class TableOperations {

	/** Keeps rows as they are while copying: no folding by Summing/Replacing/Collapsing engines. */
	/** {@code UNKNOWN_DISK}: also "All parts of partition … are already on volume …". */
	private static final int UNKNOWN_DISK = 479;

	/** {@code NO_SUCH_DATA_PART}: "Nothing to move". */
	private static final int NO_SUCH_DATA_PART = 232;

	private static final String COPY_SETTINGS = "SETTINGS optimize_on_insert = 0, insert_allow_materialized_columns = 1, "
			+ "insert_deduplicate = 0, max_threads = 1, max_insert_threads = 1";

	private final ClickHouseClient client;

	public TableOperations(ClickHouseClient client) {
		this.client = client;
	}

	public ClickHouseClient client() {
		return this.client;
	}

	public String showCreateTable(String database, String table) {
		return this.client.queryFirst("SHOW CREATE TABLE " + Sql.qualified(database, table), (row) -> row.getString(1))
			.orElseThrow();
	}

	/** The {@code CREATE} statements of some tables of a database, by name, in one read of {@code system.tables}. */
	public Map<String, String> createQueries(String database, Collection<String> tables) {
		Map<String, String> queries = new HashMap<>();
		this.client.query("SELECT name, create_table_query FROM system.tables WHERE database = " + Sql.literal(database)
				+ " AND name IN (" + Sql.literals(tables) + ")", (row) -> queries.put(row.getString(1), row.getString(2)));
		return queries;
	}

	public void createTable(String ddl) {
		this.client.execute(ddl);
	}

	/**
	 * Drops one of the migrator's tables, without {@code SYNC}: the name is free at once, and an
	 * Atomic database removes the files in the background ({@code database_atomic_delay_before_drop_table_sec}).
	 * {@code SYNC} waits until no query or background task holds the table, which can be forever;
	 * the migrator never creates a table again under the UUID of one it dropped.
	 */
	public void dropTable(String database, String table) {
		this.client.execute("DROP TABLE IF EXISTS " + Sql.qualified(database, table));
	}

	public void renameTable(String database, String from, String to) {
		this.client.execute("RENAME TABLE " + Sql.qualified(database, from) + " TO " + Sql.qualified(database, to));
	}

	/** Swaps two tables' names atomically (Atomic databases). */
	public void exchangeTables(String database, String first, String second) {
		this.client.execute("EXCHANGE TABLES " + Sql.qualified(database, first) + " AND " + Sql.qualified(database, second));
	}

	/** Swaps two tables' names with one multi-table RENAME, for databases without EXCHANGE. */
	public void swapByRename(String database, String first, String second, String spare) {
		this.client.execute("RENAME TABLE " + Sql.qualified(database, first) + " TO " + Sql.qualified(database, spare) + ", "
				+ Sql.qualified(database, second) + " TO " + Sql.qualified(database, first) + ", "
				+ Sql.qualified(database, spare) + " TO " + Sql.qualified(database, second));
	}

	/** The server's clock, in milliseconds since the epoch. */
	public long serverTimeMillis() {
		return this.client.queryFirst("SELECT toUnixTimestamp64Milli(now64(3))", (row) -> row.getLong(1)).orElseThrow();
	}

	/**
	 * The INSERT queries running on the server that started at or before the given server time
	 * ({@code system.processes}; this query excluded), as {@code query_id}.
	 */
	public List<String> insertsStartedBefore(long serverTimeMillis) {
		return this.client.query("""
				SELECT query_id FROM system.processes
				WHERE query_kind = 'Insert' AND query_id != queryID()
				  AND toUnixTimestamp64Milli(now64(3)) - toInt64(elapsed * 1000) <= %d""".formatted(serverTimeMillis),
				(row) -> row.getString(1));
	}

	public void stopMerges(String database, String table) {
		this.client.withRetry(() -> {
			this.client.execute("SYSTEM STOP MERGES " + Sql.qualified(database, table));
			return null;
		});
	}

	public void startMerges(String database, String table) {
		this.client.withRetry(() -> {
			this.client.execute("SYSTEM START MERGES " + Sql.qualified(database, table));
			return null;
		});
	}

	/**
	 * Active data parts of a table, optionally of one partition, by block range. Patch parts of
	 * lightweight {@code UPDATE}s (partition ids {@code patch-…}) are not data parts: readers apply
	 * them to the data parts of their partition.
	 */
	public List<PartInfo> activeParts(String database, String table, String partitionId) {
		return dataParts(database, table, (partitionId != null) ? " AND partition_id = " + Sql.literal(partitionId) : "");
	}

	/**
	 * {@link #activeParts(String, String, String)} of several partitions in one read, by partition
	 * id in the given order; a partition without parts maps to an empty list.
	 */
	public Map<String, List<PartInfo>> activePartsOf(String database, String table, Collection<String> partitionIds) {
		Map<String, List<PartInfo>> parts = new LinkedHashMap<>();
		partitionIds.forEach((id) -> parts.put(id, new ArrayList<>()));
		if (partitionIds.isEmpty()) {
			return parts;
		}
		dataParts(database, table, " AND partition_id IN (" + Sql.literals(partitionIds) + ")")
			.forEach((part) -> parts.get(part.partitionId()).add(part));
		return parts;
	}

	/** Active data parts of a table matching a further {@code AND …} condition (empty for none). */
	private List<PartInfo> dataParts(String database, String table, String condition) {
		return dataParts(database, table,
				"name, partition_id, min_block_number, max_block_number, rows, has_lightweight_delete, hash_of_all_files",
				condition, (row) -> new PartInfo(row.getString(1), row.getString(2), row.getLong(3), row.getLong(4),
						row.getLong(5), row.getBoolean(6), row.getString(7)));
	}

	/** Columns of the active data parts of a table matching a further {@code AND …} condition, in block order. */
	private <T> List<T> dataParts(String database, String table, String columns, String condition,
			ClickHouseClient.RowMapper<T> mapper) {
		return this.client.query("""
				SELECT %s
				FROM system.parts
				WHERE database = %s AND table = %s AND active AND %s%s
				ORDER BY partition_id, min_block_number""".formatted(columns, Sql.literal(database), Sql.literal(table),
				Sql.DATA_PARTS, condition), mapper);
	}

	/**
	 * Rows stored in the active parts of one partition, lightweight-deleted ones included
	 * ({@code system.parts.rows}): what the plan counted.
	 */
	public long storedRows(String database, String table, String partitionId) {
		return activeParts(database, table, partitionId).stream().mapToLong(PartInfo::rows).sum();
	}

	/** Rows a reader sees in one partition ({@code count()}: lightweight-deleted rows excluded). */
	public long partitionRows(String database, String table, String partitionId) {
		return count(database, table, "_partition_id = " + Sql.literal(partitionId));
	}

	/** {@link #partitionRows(String, String, String)} of several partitions in one query; 0 for one without rows. */
	public Map<String, Long> partitionRowsOf(String database, String table, Collection<String> partitionIds) {
		Map<String, Long> rows = new LinkedHashMap<>();
		partitionIds.forEach((id) -> rows.put(id, 0L));
		if (!partitionIds.isEmpty()) {
			countPerPartition(database, table, " WHERE _partition_id IN (" + Sql.literals(partitionIds) + ")", rows);
		}
		return rows;
	}

	/** Rows a reader sees in the given parts. */
	public long rowsOfParts(String database, String table, Collection<String> parts) {
		return parts.isEmpty() ? 0 : count(database, table, "_part IN (" + Sql.literals(parts) + ")");
	}

	/** Rows a reader sees in the whole table. */
	public long partitionRowsTotal(String database, String table) {
		return count(database, table, "1");
	}

	/** Rows a reader sees per partition id, in one query for the whole table. */
	public Map<String, Long> rowsPerPartition(String database, String table) {
		Map<String, Long> rows = new HashMap<>();
		countPerPartition(database, table, "", rows);
		return rows;
	}

	/** {@link #rowsPerPartition} of the given parts only, in one query. */
	public Map<String, Long> rowsPerPartitionOf(String database, String table, Collection<String> parts) {
		Map<String, Long> rows = new HashMap<>();
		if (!parts.isEmpty()) {
			countPerPartition(database, table, " WHERE _part IN (" + Sql.literals(parts) + ")", rows);
		}
		return rows;
	}

	/** Sets a table's comment ({@code ALTER TABLE … MODIFY COMMENT}). */
	public void modifyComment(String database, String table, String comment) {
		this.client.execute("ALTER TABLE " + Sql.qualified(database, table) + " MODIFY COMMENT " + Sql.literal(comment));
	}

	/** Rows a reader sees per partition id, of the rows matching a {@code WHERE …} clause (empty for all), into a map. */
	private void countPerPartition(String database, String table, String where, Map<String, Long> into) {
		this.client.query("SELECT _partition_id, count() FROM " + Sql.qualified(database, table) + where
				+ " GROUP BY _partition_id", (row) -> into.put(row.getString(1), row.getLong(2)));
	}

	private long count(String database, String table, String where) {
		return this.client.queryFirst("SELECT count() FROM " + Sql.qualified(database, table) + " WHERE " + where,
				(row) -> row.getLong(1))
			.orElseThrow();
	}

	/** Every column of a table, in table order. */
	public List<ColumnInfo> columns(String database, String table) {
		return this.client.query("""
				SELECT name, type, default_kind, default_expression, compression_codec, comment
				FROM system.columns WHERE database = %s AND table = %s ORDER BY position""".formatted(Sql.literal(database),
				Sql.literal(table)), (row) -> new ColumnInfo(row.getString(1), row.getString(2), row.getString(3),
						row.getString(4), row.getString(5), row.getString(6)));
	}

	/** Adds a column to a table, after the given one ({@code null}: first). */
	public void addColumn(String database, String table, ColumnInfo column, String after) {
		this.client.execute("ALTER TABLE " + Sql.qualified(database, table) + " ADD COLUMN IF NOT EXISTS "
				+ column.definition() + ((after != null) ? " AFTER " + Sql.identifier(after) : " FIRST"));
	}

	/** The table's mutations, oldest first. */
	public List<MutationInfo> mutations(String database, String table) {
		return this.client.query("""
				SELECT mutation_id, command, toString(create_time), is_done
				FROM system.mutations WHERE database = %s AND table = %s ORDER BY create_time, mutation_id"""
			.formatted(Sql.literal(database), Sql.literal(table)),
				(row) -> new MutationInfo(row.getString(1), row.getString(2), row.getString(3), row.getBoolean(4)));
	}

	/**
	 * The server's current load figures of the given names: {@code system.metrics} and, where the
	 * server has it, {@code system.asynchronous_metrics} as values ({@code metric:<name>}), and
	 * {@code system.events} as counters ({@code event:<name>}, a rate needs two reads).
	 */
	public Map<String, Double> loadFigures(Collection<String> names) {
		Map<String, Double> figures = new HashMap<>();
		if (names.isEmpty()) {
			return figures;
		}
		String list = Sql.literals(names);
		boolean asynchronous = this.client.queryFirst(
				"SELECT count() FROM system.tables WHERE database = 'system' AND name = 'asynchronous_metrics'",
				(row) -> row.getLong(1) > 0).orElse(false);
		this.client.query("SELECT 'metric', metric, toFloat64(value) FROM system.metrics WHERE metric IN (" + list + ")"
				+ " UNION ALL SELECT 'event', event, toFloat64(value) FROM system.events WHERE event IN (" + list + ")"
				+ (asynchronous ? " UNION ALL SELECT 'metric', metric, toFloat64(value) FROM system.asynchronous_metrics "
						+ "WHERE metric IN (" + list + ")" : "") + " SETTINGS system_events_show_zero_values = 1",
				(row) -> figures.put(row.getString(1) + ":" + row.getString(2), row.getDouble(3)));
		return figures;
	}

	/**
	 * The partition with the most active parts among these tables of the database, as
	 * {@code table/partition_id} to its count; {@code null} when they have no parts.
	 */
	public Map.Entry<String, Long> busiestPartition(String database, Collection<String> tables) {
		return this.client.queryFirst("""
				SELECT table, partition_id, count() AS parts FROM system.parts
				WHERE database = %s AND table IN (%s) AND active
				GROUP BY table, partition_id ORDER BY parts DESC LIMIT 1""".formatted(Sql.literal(database),
				Sql.literals(tables)), (row) -> Map.entry(row.getString(1) + "/" + row.getString(2), row.getLong(3)))
			.orElse(null);
	}

	/**
	 * Rows written so far by the {@code INSERT … SELECT}s into a table that are running now (from
	 * {@code system.processes}): the progress inside a long partition copied by {@code insert}.
	 */
	public long rowsBeingInserted(String database, String table) {
		return this.client.queryFirst("SELECT sum(written_rows) FROM system.processes WHERE query LIKE %s"
			.formatted(Sql.literal("INSERT INTO " + Sql.qualified(database, table).replace("\\", "\\\\")
					.replace("%", "\\%").replace("_", "\\_") + " %")), (row) -> row.getLong(1)).orElse(0L);
	}

	/** The free bytes of each of the server's local disks, by disk name. */
	public Map<String, Long> localDiskFreeSpace() {
		Map<String, Long> free = new TreeMap<>();
		this.client.query("SELECT name, free_space FROM system.disks WHERE type = 'Local'",
				(row) -> free.put(row.getString(1), row.getLong(2)));
		return free;
	}

	/** How far the table's replica on this server is behind, in seconds; 0 for a table that is not Replicated. */
	public long replicaDelaySeconds(String database, String table) {
		return this.client.queryFirst("SELECT max(absolute_delay) FROM system.replicas WHERE database = %s AND table = %s"
			.formatted(Sql.literal(database), Sql.literal(table)), (row) -> row.getLong(1)).orElse(0L);
	}

	/**
	 * The names of the table's active patch parts (lightweight {@code UPDATE}s), by the id of the
	 * data partition they patch: a patch partition is {@code patch-<hash of the columns>-<partition id>}.
	 */
	public Map<String, Set<String>> patchParts(String database, String table) {
		Map<String, Set<String>> patches = new HashMap<>();
		this.client.query("""
				SELECT name, partition_id FROM system.parts
				WHERE database = %s AND table = %s AND active AND NOT (%s)""".formatted(Sql.literal(database),
				Sql.literal(table), Sql.DATA_PARTS), (row) -> {
					String id = row.getString(2);
					int dash = id.indexOf('-', "patch-".length());
					patches.computeIfAbsent((dash < 0) ? id : id.substring(dash + 1), (key) -> new TreeSet<>())
						.add(row.getString(1));
					return null;
				});
		return patches;
	}

	/**
	 * The highest block number among the table's active patch parts (lightweight {@code UPDATE}s),
	 * 0 without any: a patch part above a recorded value was written since.
	 */
	public long lastPatchBlock(String database, String table) {
		return this.client.queryFirst("""
				SELECT max(max_block_number) FROM system.parts
				WHERE database = %s AND table = %s AND active AND NOT (%s)""".formatted(Sql.literal(database),
				Sql.literal(table), Sql.DATA_PARTS), (row) -> row.getLong(1)).orElse(0L);
	}

	/** Server-side copy of a partition's parts: byte for byte, across storage policies. */
	public void attachPartitionFrom(String database, String target, String source, String partitionId) {
		this.client.execute("ALTER TABLE " + Sql.qualified(database, target) + " ATTACH PARTITION ID "
				+ Sql.literal(partitionId) + " FROM " + Sql.qualified(database, source));
	}

	/**
	 * {@link #attachPartitionFrom} of several partitions in one {@code ALTER}: its commands run one
	 * after the other, so a failure leaves the partitions before it copied.
	 */
	public void attachPartitionsFrom(String database, String target, String source, Collection<String> partitionIds) {
		alter(database, target, partitionIds.stream()
			.map((id) -> "ATTACH PARTITION ID " + Sql.literal(id) + " FROM " + Sql.qualified(database, source)));
	}

	/** Copies the rows of the given parts with INSERT … SELECT; returns the rows written. */
	public long insertParts(String database, String target, String source, List<String> columns,
			Collection<String> parts) {
		String list = columns.stream().map(Sql::identifier).collect(Collectors.joining(", "));
		return this.client.update("INSERT INTO " + Sql.qualified(database, target) + " (" + list + ") SELECT " + list
				+ " FROM " + Sql.qualified(database, source) + " WHERE _part IN (" + Sql.literals(parts) + ") "
				+ COPY_SETTINGS);
	}

	/**
	 * Changes a table's storage policy in place. The server refuses a policy that lacks a volume or
	 * disk of the current one; setting the policy the table already has does nothing.
	 */
	public void modifyStoragePolicy(String database, String table, String policy) {
		this.client.execute("ALTER TABLE " + Sql.qualified(database, table) + " MODIFY SETTING storage_policy = "
				+ Sql.literal(policy));
	}

	/**
	 * Moves the parts of a partition that are not on the given volume to it ({@code ALTER TABLE …
	 * MOVE PARTITION ID … TO VOLUME}). Each part is copied to the volume's disk and then replaces
	 * the part of the same name, atomically, with the same data; a part merged away meanwhile is
	 * not moved. Returns {@code false} when there was nothing to move: every part already on the
	 * volume, or no part at all.
	 */
	public boolean movePartitionToVolume(String database, String table, String partitionId, String volume) {
		try {
			this.client.execute("ALTER TABLE " + Sql.qualified(database, table) + " MOVE PARTITION ID "
					+ Sql.literal(partitionId) + " TO VOLUME " + Sql.literal(volume));
			return true;
		}
		catch (ClickHouseException ex) {
			if (ex.code() == UNKNOWN_DISK && String.valueOf(ex.getMessage()).contains("already on volume")
					|| ex.code() == NO_SUCH_DATA_PART) {
				return false;
			}
			throw ex;
		}
	}

	/**
	 * {@link #movePartitionToVolume} for several partitions with one {@code ALTER} of one
	 * {@code MOVE PARTITION ID … TO VOLUME} command each, run in order: a failure of one command
	 * leaves the commands after it undone (each is safe to send again).
	 */
	public void movePartitionsToVolume(String database, String table, List<String> partitionIds, String volume) {
		this.client.execute("ALTER TABLE " + Sql.qualified(database, table) + " " + partitionIds.stream()
			.map((id) -> "MOVE PARTITION ID " + Sql.literal(id) + " TO VOLUME " + Sql.literal(volume))
			.collect(Collectors.joining(", ")));
	}

	/** {@link #partPlacements} of several partitions in one read, by partition id. */
	public Map<String, List<PartPlacement>> partPlacements(String database, String table, Collection<String> partitionIds) {
		Map<String, List<PartPlacement>> placements = new LinkedHashMap<>();
		partitionIds.forEach((id) -> placements.put(id, new ArrayList<>()));
		this.client.query("""
				SELECT name, partition_id, disk_name, rows, bytes_on_disk, hash_of_all_files
				FROM system.parts
				WHERE database = %s AND table = %s AND active AND partition_id IN (%s)
				ORDER BY partition_id, min_block_number""".formatted(Sql.literal(database), Sql.literal(table),
				Sql.literals(partitionIds)), (row) -> placements.get(row.getString(2))
					.add(new PartPlacement(row.getString(1), row.getString(2), row.getString(3), row.getLong(4),
							row.getLong(5), row.getString(6))));
		return placements;
	}

	/**
	 * Where the active data parts of a table are stored, or the active parts of one partition (a
	 * {@code patch-…} partition of lightweight updates too).
	 */
	public List<PartPlacement> partPlacements(String database, String table, String partitionId) {
		String columns = "name, partition_id, disk_name, rows, bytes_on_disk, hash_of_all_files";
		ClickHouseClient.RowMapper<PartPlacement> placement = (row) -> new PartPlacement(row.getString(1),
				row.getString(2), row.getString(3), row.getLong(4), row.getLong(5), row.getString(6));
		if (partitionId == null) {
			return dataParts(database, table, columns, "", placement);
		}
		return this.client.query("""
				SELECT %s
				FROM system.parts
				WHERE database = %s AND table = %s AND active AND partition_id = %s
				ORDER BY min_block_number""".formatted(columns, Sql.literal(database), Sql.literal(table),
				Sql.literal(partitionId)), placement);
	}

	/** Bytes on disk of a table's active parts, per disk, in one read. */
	public Map<String, Long> bytesPerDisk(String database, String table) {
		Map<String, Long> bytes = new LinkedHashMap<>();
		this.client.query("""
				SELECT disk_name, sum(bytes_on_disk)
				FROM system.parts
				WHERE database = %s AND table = %s AND active
				GROUP BY disk_name
				ORDER BY disk_name""".formatted(Sql.literal(database), Sql.literal(table)),
				(row) -> bytes.put(row.getString(1), row.getLong(2)));
		return bytes;
	}

	/**
	 * The partitions of a table with active parts off the given disks, with how many, in one read.
	 * The {@code patch-…} partitions of lightweight updates count: their parts hold updated values
	 * and are moved like any other.
	 */
	public Map<String, Long> partsOffDisks(String database, String table, Collection<String> disks) {
		Map<String, Long> off = new LinkedHashMap<>();
		this.client.query("""
				SELECT partition_id, count()
				FROM system.parts
				WHERE database = %s AND table = %s AND active AND disk_name NOT IN (%s)
				GROUP BY partition_id
				ORDER BY partition_id""".formatted(Sql.literal(database), Sql.literal(table),
				Sql.literals(disks)), (row) -> off.put(row.getString(1), row.getLong(2)));
		return off;
	}

	/** Moves a partition's parts to a table with the same definition and storage policy, atomically. */
	public void movePartitionToTable(String database, String source, String partitionId, String target) {
		this.client.execute("ALTER TABLE " + Sql.qualified(database, source) + " MOVE PARTITION ID " + Sql.literal(partitionId)
				+ " TO TABLE " + Sql.qualified(database, target));
	}

	/**
	 * {@link #movePartitionToTable} of several partitions in one {@code ALTER}: each move is
	 * atomic, and the commands run one after the other.
	 */
	public void movePartitionsToTable(String database, String source, Collection<String> partitionIds, String target) {
		if (!partitionIds.isEmpty()) {
			alter(database, source, partitionIds.stream()
				.map((id) -> "MOVE PARTITION ID " + Sql.literal(id) + " TO TABLE " + Sql.qualified(database, target)));
		}
	}

	/** Drops a partition; dropping one that has no parts does nothing. */
	public void dropPartition(String database, String table, String partitionId) {
		this.client.execute("ALTER TABLE " + Sql.qualified(database, table) + " DROP PARTITION ID " + Sql.literal(partitionId));
	}

	/** {@link #dropPartition} of several partitions in one {@code ALTER}. */
	public void dropPartitions(String database, String table, Collection<String> partitionIds) {
		alter(database, table, partitionIds.stream().map((id) -> "DROP PARTITION ID " + Sql.literal(id)));
	}

	/** Moves a partition's parts to the table's {@code detached} directory. */
	public void detachPartition(String database, String table, String partitionId) {
		this.client.execute("ALTER TABLE " + Sql.qualified(database, table) + " DETACH PARTITION ID " + Sql.literal(partitionId));
	}

	public void dropPart(String database, String table, String part) {
		this.client.execute("ALTER TABLE " + Sql.qualified(database, table) + " DROP PART " + Sql.literal(part));
	}

	/**
	 * {@link #dropPart} of several parts in one {@code ALTER}: its commands run one after the other,
	 * so a failure leaves the parts before it dropped.
	 */
	public void dropParts(String database, String table, Collection<String> parts) {
		alter(database, table, parts.stream().map((part) -> "DROP PART " + Sql.literal(part)));
	}

	private void alter(String database, String table, Stream<String> commands) {
		String list = commands.collect(Collectors.joining(", "));
		if (!list.isEmpty()) {
			this.client.execute("ALTER TABLE " + Sql.qualified(database, table) + " " + list);
		}
	}

	/** Rows and hash of the stored columns of the given parts of a table. */
	public Checksum checksumOfParts(String database, String table, List<String> columns, Collection<String> parts) {
		return checksum(database, table, columns, "_part IN (" + Sql.literals(parts) + ")");
	}

	/** Rows and hash of the stored columns of one partition. */
	public Checksum checksumOfPartition(String database, String table, List<String> columns, String partitionId) {
		return checksum(database, table, columns, "_partition_id = " + Sql.literal(partitionId));
	}

	private Checksum checksum(String database, String table, List<String> columns, String where) {
		String hashed = columns.stream().map(Sql::identifier).collect(Collectors.joining(", "));
		// tuple(…) hashes NULL as a value of its own: cityHash64(a, NULL) would be NULL, and sum() skips NULLs
		return this.client.queryFirst("SELECT count(), toString(sum(cityHash64(tuple(" + hashed + ")))) FROM "
				+ Sql.qualified(database, table) + " WHERE " + where,
				(row) -> new Checksum(row.getLong(1), row.getString(2)))
			.orElseThrow();
	}

}
