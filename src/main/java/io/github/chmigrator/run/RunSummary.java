package io.github.chmigrator.run;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.github.chmigrator.core.ExitCodes;

/**
 * One run of the migrator over one or more tables: what the run report and the metrics (design
 * §10.1) are made of.
 *
 * @param mode {@code single} or {@code full}
 * @param database the database
 * @param targetPolicy the target storage policy
 * @param clickhouse {@code host:port}
 * @param start when the run started
 * @param end when it ended
 * @param tables one outcome per table considered, skipped ones included
 */
public record RunSummary(String mode, String database, String targetPolicy, String clickhouse, Instant start,
		Instant end, List<TableOutcome> tables) {

	public RunSummary {
		tables = List.copyOf(tables);
	}

	public int total() {
		return this.tables.size();
	}

	public int completed() {
		return count("COMPLETED") + count("ALREADY_MIGRATED");
	}

	public int failed() {
		return (int) this.tables.stream().filter(TableOutcome::failed).count();
	}

	public int skipped() {
		return count("SKIPPED");
	}

	public int partitions() {
		return this.tables.stream().mapToInt(TableOutcome::partitions).sum();
	}

	public int completedPartitions() {
		return this.tables.stream().mapToInt(TableOutcome::completedPartitions).sum();
	}

	public long rows() {
		return this.tables.stream().mapToLong(TableOutcome::rows).sum();
	}

	public long bytes() {
		return this.tables.stream().mapToLong(TableOutcome::bytes).sum();
	}

	public int errors() {
		return this.tables.stream().mapToInt(TableOutcome::errors).sum();
	}

	public double durationSeconds() {
		return Duration.between(this.start, this.end).toMillis() / 1000.0;
	}

	/** 0 when no table failed; otherwise the first failed table's code. */
	public int exitCode() {
		return this.tables.stream().filter(TableOutcome::failed).findFirst().map(TableOutcome::exitCode).orElse(ExitCodes.OK);
	}

	private int count(String status) {
		return (int) this.tables.stream().filter((table) -> table.status().equals(status)).count();
	}

}
