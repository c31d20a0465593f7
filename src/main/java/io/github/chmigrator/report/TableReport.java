package io.github.chmigrator.report;

import java.util.List;

/**
 * The JSON report of one table's run (design §4.2.7), written to {@code --report-path} as
 * {@code migration_<database>.<table>_<start>_<execution id>.json}.
 *
 * @param version the report format version
 * @param database the database
 * @param table the table
 * @param targetPolicy the storage policy the table moves to
 * @param clickhouse {@code host:port}
 * @param jobInstanceId the JobInstance (restart it with {@code --restart})
 * @param jobExecutionId this run's JobExecution
 * @param requestedStrategy {@code --strategy}
 * @param strategies the strategies that copied partitions
 * @param status {@code COMPLETED}, {@code ALREADY_MIGRATED}, {@code FAILED}, {@code STOPPED}
 * @param start start time (ISO-8601)
 * @param end end time (ISO-8601)
 * @param durationSeconds run duration
 * @param partitions one entry per planned partition
 * @param totals sums over the partitions
 * @param lateRows rows inserted into the source during the migration and moved by the swap
 * @param keptOldTable where the old table was kept instead of dropped, and why; {@code null} when it was
 * dropped (or not reached yet)
 * @param newInserts in place: where the target policy writes new parts (its first volume and disks),
 * so that a policy keeping new data local surprises nobody; {@code null} for a copy
 * @param cutOverSeconds how long the cut-over took (merges stopped on the source to the old table
 * retired), with the source kept whole; {@code null} before it ended or without it
 * @param errors what failed, one line each
 */
public record TableReport(int version, String database, String table, String targetPolicy, String clickhouse,
		long jobInstanceId, long jobExecutionId, String requestedStrategy, List<String> strategies, String status,
		String start, String end, double durationSeconds, List<PartitionReport> partitions, Totals totals,
		long lateRows, String keptOldTable, String newInserts, Double cutOverSeconds, List<String> errors) {

	public static final int VERSION = 1;

	/**
	 * One partition.
	 *
	 * @param partitionId the partition id
	 * @param partition the printable partition value
	 * @param rows rows copied (planned rows while not copied)
	 * @param bytes bytes planned
	 * @param seconds copy duration
	 * @param strategy the strategy that copied it
	 * @param attempts copy attempts
	 * @param status the worker's status, {@code PENDING} when it never ran
	 * @param note why the partition was handled specially (progress file import, removed by an operator
	 * after it moved), empty otherwise
	 */
	public record PartitionReport(String partitionId, String partition, long rows, long bytes, double seconds,
			String strategy, int attempts, String status, String note) {

	}

	/**
	 * Sums.
	 *
	 * @param partitions planned partitions
	 * @param completedPartitions partitions copied and verified
	 * @param rows rows copied
	 * @param bytes bytes of the planned partitions
	 * @param bytesPerSecond the rate achieved: bytes of the partitions copied in this run over its
	 * duration (what {@code --max-bytes-per-second} bounds)
	 */
	public record Totals(int partitions, int completedPartitions, long rows, long bytes, long bytesPerSecond) {

	}

}
