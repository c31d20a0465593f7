package io.github.chmigrator.run;

import io.github.chmigrator.report.TableReport;

/**
 * How one table's migration ended.
 *
 * @param database the database
 * @param table the table
 * @param status {@code COMPLETED}, {@code ALREADY_MIGRATED}, {@code FAILED}, {@code SKIPPED}, {@code LOCKED}, {@code INVALID}
 * @param exitCode the exit code this outcome alone would give
 * @param message the reason (skip reason, failure) or the summary line
 * @param report the table report, {@code null} when no job ran
 * @param reportFile where the report was written, {@code null} when none was
 */
public record TableOutcome(String database, String table, String status, int exitCode, String message,
		TableReport report, String reportFile) {

	public static TableOutcome skipped(String database, String table, String reason) {
		return new TableOutcome(database, table, "SKIPPED", 0, reason, null, null);
	}

	public boolean failed() {
		return this.exitCode != 0;
	}

	public int partitions() {
		return (this.report != null) ? this.report.totals().partitions() : 0;
	}

	public int completedPartitions() {
		return (this.report != null) ? this.report.totals().completedPartitions() : 0;
	}

	public long rows() {
		return (this.report != null) ? this.report.totals().rows() : 0;
	}

	public long bytes() {
		return (this.report != null) ? this.report.totals().bytes() : 0;
	}

	public int errors() {
		return (this.report != null) ? this.report.errors().size() : (failed() ? 1 : 0);
	}

}
