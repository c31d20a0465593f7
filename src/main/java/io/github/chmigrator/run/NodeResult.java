package io.github.chmigrator.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import io.github.chmigrator.core.AtomicFiles;

/**
 * What one node's run of a cluster command did, as the node's process hands it to the process
 * that runs the cluster ({@code --migrator.node-result=<file>}): its exit code and, per table,
 * the status, rows, bytes and duration, and where the table's report is.
 *
 * @param exitCode the node's exit code
 * @param message why the node ended without tables (a refused flag, an unreachable server), else empty
 * @param tables per table, in the order they ran
 */
public record NodeResult(int exitCode, String message, List<Table> tables) {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	public NodeResult {
		message = (message != null) ? message : "";
		tables = (tables != null) ? List.copyOf(tables) : List.of();
	}

	/**
	 * One table on the node.
	 *
	 * @param database the database
	 * @param table the table
	 * @param status as in the table's report ({@code COMPLETED}, {@code ALREADY_MIGRATED}, {@code FAILED}, …)
	 * @param exitCode the exit code this table alone would give
	 * @param message the reason or the summary line
	 * @param partitions planned partitions
	 * @param completedPartitions partitions done
	 * @param rows rows migrated
	 * @param bytes bytes of the partitions
	 * @param seconds how long its job ran
	 * @param report the table report's file, {@code null} when none was written
	 */
	public record Table(String database, String table, String status, int exitCode, String message, int partitions,
			int completedPartitions, long rows, long bytes, double seconds, String report) {

	}

	/** The result of a run that reached its tables. */
	public static NodeResult of(RunSummary run) {
		return new NodeResult(run.exitCode(), "", run.tables()
			.stream()
			.map((table) -> new Table(table.database(), table.table(), table.status(), table.exitCode(), table.message(),
					table.partitions(), table.completedPartitions(), table.rows(), table.bytes(),
					(table.report() != null) ? table.report().durationSeconds() : 0, table.reportFile()))
			.toList());
	}

	public void write(Path file) throws IOException {
		AtomicFiles.write(file, JSON.writeValueAsString(this));
	}

	/** The result a node wrote; empty when it wrote none (it died, or failed before it could). */
	public static Optional<NodeResult> read(Path file) {
		try {
			return Files.exists(file) ? Optional.of(JSON.readValue(file.toFile(), NodeResult.class)) : Optional.empty();
		}
		catch (JacksonException ex) {
			return Optional.empty();
		}
	}

}
