package io.github.chmigrator.run;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import io.github.chmigrator.core.AtomicFiles;
import io.github.chmigrator.core.ExitCodes;

/**
 * The report of a cluster command ({@code cluster_<name>_<yyyyMMdd-HHmmss>.json}, format version
 * {@value #VERSION}): per node its status, exit code, duration and tables (each with status, rows,
 * bytes, duration and its own report file), then totals.
 *
 * @param version the format version
 * @param cluster the cluster's name, {@code hosts} for {@code --hosts}
 * @param start when the command started (ISO-8601)
 * @param end when it ended
 * @param durationSeconds how long it ran
 * @param dryRun whether it was a dry run
 * @param exitCode the command's exit code: 0 when every node succeeded, else the highest node exit code
 * @param nodes per node, in the order they were listed
 * @param totals over all nodes
 */
public record ClusterReport(int version, String cluster, String start, String end, double durationSeconds,
		boolean dryRun, int exitCode, List<NodeReport> nodes, Totals totals) {

	public static final int VERSION = 1;

	private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

	public static ClusterReport of(String cluster, Instant start, Instant end, boolean dryRun, List<NodeReport> nodes) {
		int exitCode = nodes.stream().mapToInt(NodeReport::exitCode).max().orElse(ExitCodes.OK);
		List<NodeResult.Table> tables = nodes.stream().flatMap((node) -> node.tables().stream()).toList();
		Totals totals = new Totals(nodes.size(), (int) nodes.stream().filter((node) -> node.exitCode() == ExitCodes.OK).count(),
				(int) nodes.stream().filter((node) -> node.exitCode() != ExitCodes.OK && !node.unreachable()).count(),
				(int) nodes.stream().filter(NodeReport::unreachable).count(), tables.size(),
				tables.stream().mapToInt(NodeResult.Table::completedPartitions).sum(),
				tables.stream().mapToLong(NodeResult.Table::rows).sum(), tables.stream().mapToLong(NodeResult.Table::bytes).sum());
		return new ClusterReport(VERSION, cluster, start.toString(), end.toString(),
				Duration.between(start, end).toMillis() / 1000.0, dryRun, exitCode, nodes, totals);
	}

	public void write(Path file) throws IOException {
		AtomicFiles.write(file, JSON.writeValueAsString(this));
	}

	/**
	 * One node.
	 *
	 * @param node {@code host:port}
	 * @param status {@code COMPLETED} (exit 0), {@code UNREACHABLE} (exit 4: the server did not answer) or {@code FAILED}
	 * @param exitCode the node's exit code
	 * @param message why it failed, empty when it did not
	 * @param durationSeconds how long its run took
	 * @param tables its tables
	 */
	public record NodeReport(String node, String status, int exitCode, String message, double durationSeconds,
			List<NodeResult.Table> tables) {

		public static NodeReport of(String node, int exitCode, NodeResult result, double seconds) {
			String message = result.message().isEmpty() && exitCode != ExitCodes.OK
					? result.tables().stream().filter((table) -> table.exitCode() != 0).map(NodeResult.Table::message)
						.findFirst().orElse("exit code " + exitCode)
					: result.message();
			return new NodeReport(node, status(exitCode), exitCode, (exitCode == ExitCodes.OK) ? "" : message, seconds,
					result.tables());
		}

		public static NodeReport failed(String node, int exitCode, String message, double seconds) {
			int code = (exitCode == ExitCodes.OK) ? ExitCodes.FAILED : exitCode;
			return new NodeReport(node, status(code), code, message, seconds, List.of());
		}

		private static String status(int exitCode) {
			return switch (exitCode) {
				case ExitCodes.OK -> "COMPLETED";
				case ExitCodes.UNAVAILABLE -> "UNREACHABLE";
				default -> "FAILED";
			};
		}

		public boolean unreachable() {
			return this.exitCode == ExitCodes.UNAVAILABLE;
		}

	}

	/**
	 * Over all nodes.
	 *
	 * @param nodes nodes run
	 * @param succeeded nodes that ended with exit code 0
	 * @param failed nodes that failed
	 * @param unreachable nodes whose server did not answer
	 * @param tables tables over all nodes
	 * @param completedPartitions partitions done
	 * @param rows rows migrated
	 * @param bytes bytes of the partitions
	 */
	public record Totals(int nodes, int succeeded, int failed, int unreachable, int tables, int completedPartitions,
			long rows, long bytes) {

	}

}
