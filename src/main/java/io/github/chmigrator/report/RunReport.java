package io.github.chmigrator.report;

import java.util.List;

/**
 * The report of one run over a database ({@code --mode full}), written as
 * {@code migration_<database>_full_<start>.json}; each migrated table also has its
 * {@link TableReport}.
 *
 * @param version the format version
 * @param mode {@code full} or {@code single}
 * @param database the database
 * @param targetPolicy the target storage policy
 * @param clickhouse {@code host:port}
 * @param status {@code COMPLETED} when no table failed, else {@code FAILED}
 * @param start start time (ISO-8601)
 * @param end end time (ISO-8601)
 * @param durationSeconds duration
 * @param totals sums over the tables
 * @param tables one entry per table, skipped ones with the reason
 */
public record RunReport(int version, String mode, String database, String targetPolicy, String clickhouse,
		String status, String start, String end, double durationSeconds, Totals totals, List<Table> tables) {

	public static final int VERSION = 1;

	/**
	 * Sums.
	 *
	 * @param tables tables considered
	 * @param completed tables migrated (or found already migrated by their job)
	 * @param failed tables that failed
	 * @param skipped tables left alone
	 * @param partitions partitions planned
	 * @param completedPartitions partitions copied and verified
	 * @param rows rows moved
	 * @param bytes bytes of the planned partitions
	 */
	public record Totals(int tables, int completed, int failed, int skipped, int partitions, int completedPartitions,
			long rows, long bytes) {

	}

	/**
	 * One table.
	 *
	 * @param table the table
	 * @param status its outcome
	 * @param message the skip reason, the failure, or the summary
	 * @param report the table report file
	 * @param partitions partitions planned
	 * @param rows rows moved
	 * @param bytes bytes planned
	 */
	public record Table(String table, String status, String message, String report, int partitions, long rows,
			long bytes) {

	}

}
