package io.github.chmigrator.migration;

import java.util.List;

import org.springframework.batch.core.job.JobExecution;

/**
 * Before a phase moves rows toward a table the migrator fills: the source changed in no way the
 * moved partitions lack ({@link SourceChanges}), and the table has the source's definition
 * ({@link DefinitionSync}, {@code ADD COLUMN} carried over).
 */
public class SourceGuard {

	private final SourceChanges changes;

	private final DefinitionSync definitions;

	private final RemovedPartitions removed;

	public SourceGuard(SourceChanges changes, DefinitionSync definitions, RemovedPartitions removed) {
		this.changes = changes;
		this.definitions = definitions;
		this.removed = removed;
	}

	/**
	 * @param target the table rows are copied into
	 * @return the source's stored columns, to copy with
	 */
	public List<String> verify(JobExecution execution, TableJobParameters job, String target) {
		this.changes.check(execution, job, false);
		return this.definitions.sync(job.database(), job.table(), target);
	}

	/**
	 * {@link #verify}, and partitions an operator removed from the source after they moved are
	 * removed from the work table too ({@link RemovedPartitions}): before rows of the source move
	 * into the work table again (validation, catch-ups, the exchange).
	 */
	public List<String> verifyBeforeMoves(JobExecution execution, TableJobParameters job) {
		this.changes.check(execution, job, true);
		this.removed.carry(execution, job, false);
		return this.definitions.sync(job.database(), job.table(), job.workTable());
	}

	/** Only the source check: before source parts are dropped. */
	public void checkSource(JobExecution execution, TableJobParameters job) {
		this.changes.check(execution, job, false);
	}

	/** Brings another table the migrator fills (the staging table) to a source's definition. */
	public List<String> sync(String database, String source, String target) {
		return this.definitions.sync(database, source, target);
	}

}
