package io.github.chmigrator.run;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobExecutionAlreadyRunningException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.DdlRewriter;
import io.github.chmigrator.clickhouse.TableInfo;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.faults.FailurePoints;
import io.github.chmigrator.lock.TableLock;
import io.github.chmigrator.lock.TableLocks;
import io.github.chmigrator.migration.MigrationOutcome;
import io.github.chmigrator.migration.OwnedTables;
import io.github.chmigrator.migration.SourceChanges;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.CopiedPartitions.CopiedPartition;
import io.github.chmigrator.partition.CopiedPartitions;
import io.github.chmigrator.partition.PartitionPlanner;
import io.github.chmigrator.policy.TableChecks;
import io.github.chmigrator.report.ReportWriter;

/**
 * {@code --abort}: the way back from a migration that stopped (or that the operator no longer
 * wants), before the swap. With the source kept whole (the default) nothing left it: the work and
 * staging tables go and the job instance is abandoned. With {@code --free-local-per-partition},
 * every partition moved to the work table goes back into the live table
 * exactly, one partition at a time and each step recorded, so that {@code kill -9} at any instant
 * is decided on the next {@code --abort}:
 * <ol>
 * <li>source parts the work table already holds (copied, not dropped yet) are dropped;</li>
 * <li>the work partition is copied ({@code ATTACH PARTITION … FROM}, across policies) into a
 * private table on the source's policy, {@code <table>__back}, and counted there; recorded
 * {@code STAGED};</li>
 * <li>{@code MOVE PARTITION … TO TABLE} the source moves it atomically (an empty staged partition
 * after a crash means it moved), then the work partition is dropped; recorded {@code DONE}.</li>
 * </ol>
 * Then the work and staging tables go, merges on the source restart, and the job instance ends
 * {@code ABANDONED} (the next run migrates the table as a new generation). Refused once the swap
 * moved late rows or exchanged the tables: the same command then completes the migration.
 *
 * <p>Job ExecutionContext keys: {@code abort.<partition id>}: {@code STAGED} or {@code DONE}.
 */
public class TableAbort {

	static final String BACK_SUFFIX = "__back";

	private static final Logger logger = LoggerFactory.getLogger(TableAbort.class);

	private final JobOperator jobOperator;

	private final JobRepository jobRepository;

	private final CopiedPartitions copied;

	private final TableLocks locks;

	private final ClickHouseCatalog catalog;

	private final TableOperations operations;

	private final OwnedTables owned;

	private final FailurePoints failurePoints;

	private final ReportWriter reports;

	private final TableRunner tables;

	private final SourceChanges changes;

	private final PartitionPutBack partitions;

	/**
	 * The report of an abort, {@code migration_<db>.<table>_abort_<time>.json} beside the others.
	 *
	 * @param database the database
	 * @param table the table
	 * @param jobInstanceId the abandoned job instance
	 * @param partitions rows put back, per partition id
	 * @param rows rows put back in all
	 * @param status {@code ABANDONED}
	 */
	public record AbortReport(String database, String table, long jobInstanceId, Map<String, Long> partitions, long rows,
			String status) {
	}

	public TableAbort(JobOperator jobOperator, JobRepository jobRepository, TableLocks locks, ClickHouseCatalog catalog,
			TableOperations operations, OwnedTables owned, FailurePoints failurePoints, ReportWriter reports,
			TableRunner tables, SourceChanges changes, CopiedPartitions copied) {
		this.reports = reports;
		this.tables = tables;
		this.changes = changes;
		this.partitions = new PartitionPutBack(operations, jobRepository, failurePoints);
		this.jobOperator = jobOperator;
		this.jobRepository = jobRepository;
		this.copied = copied;
		this.locks = locks;
		this.catalog = catalog;
		this.operations = operations;
		this.owned = owned;
		this.failurePoints = failurePoints;
	}

	/**
	 * Puts the moved partitions of the table's unfinished migration back; a failure is returned, not thrown.
	 * @param accept {@code --accept-source-changes}: partition removals on the source that cannot be
	 * settled are taken as settled by the operator
	 */
	public TableOutcome abort(TableJobParameters requested, boolean accept) {
		TableJobParameters table = requested.onServer(this.catalog.serverIdentity());
		try (TableLock lock = this.locks.acquire(table.database(), table.table(), table.server());
				AutoCloseable shared = this.tables.sharedLock(table)) {
			JobExecution latest = this.tables.latestExecution(table);
			if (latest != null && latest.getStatus() == BatchStatus.ABANDONED) {
				String summary = "ABANDONED %s: job instance %d was already abandoned; nothing to do".formatted(
						table.qualifiedTable(), latest.getJobInstanceId());
				logger.info(summary);
				return new TableOutcome(table.database(), table.table(), "ABANDONED", ExitCodes.OK, summary, null, null);
			}
			JobExecution last = lastExecution(table);
			if (last.isRunning()) {
				logger.warn("Table {}: job execution {} was left {} by a run that is gone; marking it FAILED",
						table.qualifiedTable(), last.getId(), last.getStatus());
				last = this.jobOperator.recover(last);
			}
			if (TableChecks.MOVE.equals(last.getExecutionContext().getString(MigrationOutcome.CHOSEN, ""))) {
				return abandonInPlace(table, last);
			}
			if (TableJobParameters.sourceWhole(last.getJobParameters())) {
				return abandonWholeSource(table, last);
			}
			Map<String, Long> partitions = new TreeMap<>();
			putBack(table, last, partitions, accept);
			this.jobOperator.abandon(last);
			long rows = partitions.values().stream().mapToLong(Long::longValue).sum();
			Path file = this.reports.directory().resolve("migration_%s.%s_abort_%s.json".formatted(table.database(),
					table.table(), ReportWriter.FILE_TIME.format(LocalDateTime.now())));
			this.reports.write(file, new AbortReport(table.database(), table.table(), last.getJobInstanceId(), partitions,
					rows, "ABANDONED"));
			String summary = "ABANDONED %s: %s rows of %d partitions put back from %s; job instance %d abandoned, the next "
					+ "run migrates the table anew (report %s)";
			summary = summary.formatted(table.qualifiedTable(), Sizes.count(rows), partitions.size(), table.workTable(),
					last.getJobInstanceId(), file);
			logger.info(summary);
			return new TableOutcome(table.database(), table.table(), "ABANDONED", ExitCodes.OK, summary, null, file.toString());
		}
		catch (MigratorException ex) {
			logger.error("{}: {}", table.qualifiedTable(), ex.getMessage());
			return new TableOutcome(table.database(), table.table(), "FAILED", ex.exitCode(), ex.getMessage(), null, null);
		}
		catch (Exception ex) {
			logger.error("{}: --abort failed; run it again", table.qualifiedTable(), ex);
			return new TableOutcome(table.database(), table.table(), "FAILED", ExitCodes.FAILED,
					"--abort failed: " + ex.getMessage() + "; run it again", null, null);
		}
	}

	/**
	 * An in-place migration never took a row out of the table: there is nothing to put back. Its
	 * job instance is abandoned; the table keeps the new policy, and the parts already moved stay
	 * where they are (moving them back is a migration of its own, {@code --direction to-local}).
	 */
	private TableOutcome abandonInPlace(TableJobParameters table, JobExecution last)
			throws JobExecutionAlreadyRunningException {
		this.jobOperator.abandon(last);
		String policy = this.catalog.table(table.database(), table.table()).map(TableInfo::storagePolicy).orElse("?");
		String summary = ("ABANDONED %s: job instance %d was migrating it in place; every row stayed in the table, so "
				+ "nothing was put back. It stays on policy '%s' with the parts already moved where they are; to move "
				+ "them back, migrate it with --direction to-local").formatted(table.qualifiedTable(),
						last.getJobInstanceId(), policy);
		logger.info(summary);
		return new TableOutcome(table.database(), table.table(), "ABANDONED", ExitCodes.OK, summary, null, null);
	}

	/**
	 * The source kept every row (the default): nothing to put back. Before the exchange, this
	 * instance's work and staging tables go (never one holding detached parts), merges on the source
	 * start again, and the job instance is abandoned.
	 */
	private TableOutcome abandonWholeSource(TableJobParameters table, JobExecution last)
			throws JobExecutionAlreadyRunningException {
		if (this.catalog.isOnPolicy(table.database(), table.table(), table.targetPolicy())) {
			throw new MigratorException(ExitCodes.INVALID, "--abort: " + table.qualifiedTable() + " was already exchanged "
					+ "with the work table, so the way forward is to finish: run the same command without --abort");
		}
		for (String[] own : new String[][] { { OwnedTables.STAGING, table.stagingTable() }, { OwnedTables.WORK, table.workTable() } }) {
			TableInfo existing = this.catalog.table(table.database(), own[1]).orElse(null);
			if (existing == null) {
				continue;
			}
			if (!this.owned.owns(last, own[0], existing)) {
				throw new MigratorException(ExitCodes.INVALID, "--abort: " + existing.qualifiedName()
						+ " was not created by job instance " + last.getJobInstanceId() + "; nothing was changed");
			}
			if (!this.catalog.detachedParts(table.database(), own[1]).isEmpty()) {
				throw new MigratorException(ExitCodes.FAILED, "--abort: " + existing.qualifiedName() + " holds detached "
						+ "parts, so it is not dropped; attach or drop them (system.detached_parts), then run --abort again");
			}
			this.operations.dropTable(table.database(), own[1]);
		}
		this.operations.startMerges(table.database(), table.table());
		this.jobOperator.abandon(last);
		String summary = ("ABANDONED %s: the table kept every row during the run, so nothing was put back; %s was "
				+ "dropped and job instance %d abandoned, the next run migrates the table anew").formatted(
						table.qualifiedTable(), table.workTable(), last.getJobInstanceId());
		logger.info(summary);
		return new TableOutcome(table.database(), table.table(), "ABANDONED", ExitCodes.OK, summary, null, null);
	}

	private JobExecution lastExecution(TableJobParameters table) {
		JobExecution latest = this.tables.latestExecution(table);
		if (latest == null || latest.getStatus() == BatchStatus.ABANDONED) {
			throw new MigratorException(ExitCodes.INVALID,
					"--abort: no unfinished migration of " + table.qualifiedTable() + " to policy '" + table.targetPolicy()
							+ "' on this server" + ((latest != null) ? " (job instance " + latest.getJobInstanceId()
									+ " is already abandoned)" : ""));
		}
		if (latest.getStatus() == BatchStatus.COMPLETED) {
			throw new MigratorException(ExitCodes.INVALID, "--abort: job instance " + latest.getJobInstanceId()
					+ " completed the migration of " + table.qualifiedTable() + "; there is nothing to put back");
		}
		return latest;
	}

	private void putBack(TableJobParameters table, JobExecution last, Map<String, Long> putBack, boolean accept) {
		refuseAfterTheSwapBegan(table, last);
		TableInfo source = this.catalog.table(table.database(), table.table())
			.orElseThrow(() -> new MigratorException(ExitCodes.INVALID, "--abort: table " + table.qualifiedTable() + " is gone"));
		TableInfo work = this.catalog.table(table.database(), table.workTable()).orElse(null);
		if (work != null) {
			if (!this.owned.owns(last, OwnedTables.WORK, work)) {
				throw new MigratorException(ExitCodes.INVALID, "--abort: " + work.qualifiedName()
						+ " was not created by job instance " + last.getJobInstanceId() + "; nothing was changed");
			}
			// a partition the operator removed from the source after it moved does not come back
			this.changes.carryRemovedPartitions(last, table, accept);
			this.operations.stopMerges(table.database(), table.table());
			String back = backTable(table, last, source);
			Map<String, CopiedPartition> recorded = recordedCopies(last);
			for (Map.Entry<String, Long> partition : this.operations.rowsPerPartition(table.database(), table.workTable())
				.entrySet()) {
				CopiedPartition copy = recorded.get(partition.getKey());
				if (copy == null) {
					// a copy its worker never recorded: the source still holds every one of those rows
					this.operations.dropPartition(table.database(), table.workTable(), partition.getKey());
					continue;
				}
				putBack.put(partition.getKey(), this.partitions.putBack(table, last, back, partition.getKey(),
						partition.getValue(), copy.blocks()));
			}
			warnOfMutationsThePartitionsLack(table, last);
			long left = this.operations.partitionRowsTotal(table.database(), table.workTable());
			if (left > 0) {
				throw new MigratorException(ExitCodes.FAILED, "--abort: " + table.workTable() + " still holds " + left
						+ " rows; run --abort again");
			}
			if (!this.catalog.detachedParts(table.database(), table.workTable()).isEmpty()) {
				throw new MigratorException(ExitCodes.FAILED, "--abort: " + table.workTable() + " holds detached parts "
						+ "(a DETACH carried from the source), so it is not dropped; attach or drop them, then run --abort again");
			}
			// the work table first: without it no put-back runs again, so the back table is never
			// created anew under its recorded UUID while the dropped one still holds it
			this.operations.dropTable(table.database(), table.workTable());
		}
		dropOwned(table, last, OwnedTables.BACK, table.table() + BACK_SUFFIX);
		dropOwned(table, last, OwnedTables.STAGING, table.stagingTable());
		this.operations.startMerges(table.database(), table.table());
	}

	/** Once late rows moved or the tables were exchanged, the way forward is the migration itself. */
	private void refuseAfterTheSwapBegan(TableJobParameters table, JobExecution last) {
		ExecutionContext context = MigrationOutcome.lastSwapContext(this.jobRepository, last);
		boolean swapped = this.catalog.isOnPolicy(table.database(), table.table(), table.targetPolicy());
		if (swapped || context.getLong(MigrationOutcome.LATE_ROWS, 0) > 0 || context.containsKey(MigrationOutcome.CATCH_UP_PENDING)) {
			throw new MigratorException(ExitCodes.INVALID, "--abort: the swap of " + table.qualifiedTable()
					+ " has begun (late rows moved or tables exchanged), so the way forward is to finish it: run the same "
					+ "command without --abort");
		}
	}

	/** The private table partitions pass through on their way back, on the source's policy. */
	private String backTable(TableJobParameters table, JobExecution last, TableInfo source) {
		String back = table.table() + BACK_SUFFIX;
		TableInfo existing = this.catalog.table(table.database(), back).orElse(null);
		if (existing != null && !this.owned.owns(last, OwnedTables.BACK, existing)) {
			throw new MigratorException(ExitCodes.INVALID, "--abort: table " + existing.qualifiedName()
					+ " exists and was not created by job instance " + last.getJobInstanceId() + "; rename it, then run --abort again");
		}
		if (existing == null) {
			if (this.owned.reserved(last, OwnedTables.BACK) == null) {
				this.owned.reserve(last, OwnedTables.BACK, this.catalog.isAtomic(table.database()));
			}
			String ddl = this.operations.showCreateTable(table.database(), table.table());
			this.operations.createTable(DdlRewriter.retarget(ddl, table.database(), back,
					OwnedTables.uuidClause(this.owned.reserved(last, OwnedTables.BACK)), source.storagePolicy()));
		}
		this.operations.stopMerges(table.database(), back);
		return back;
	}

	/** The partitions whose copy a worker recorded ({@code COPIED} or {@code DONE}), by id. */
	private Map<String, CopiedPartition> recordedCopies(JobExecution last) {
		Map<String, CopiedPartition> recorded = new HashMap<>();
		if (last.getExecutionContext().containsKey(PartitionPlanner.PLAN)) {
			this.copied.forEach(last, (partition) -> {
				String state = partition.context().getString(PartitionPlanner.STATE, "");
				if (state.equals(PartitionPlanner.COPIED) || state.equals(PartitionPlanner.DONE)) {
					recorded.put(partition.planned().partitionId(), partition);
				}
			});
		}
		return recorded;
	}

	/** Mutations the source received during the run did not reach the moved partitions: say so. */
	private void warnOfMutationsThePartitionsLack(TableJobParameters table, JobExecution last) {
		List<String> since = this.changes.mutationsSince(last, table)
			.stream()
			.map((mutation) -> mutation.id() + " " + mutation.command().strip())
			.toList();
		if (!since.isEmpty()) {
			logger.warn("Table {}: the partitions put back did not receive the mutations made during the run ({}); "
					+ "apply them again to {}", table.qualifiedTable(), String.join("; ", since), table.qualifiedTable());
		}
	}

	private void dropOwned(TableJobParameters table, JobExecution last, String role, String name) {
		this.catalog.table(table.database(), name)
			.filter((owned) -> this.owned.owns(last, role, owned))
			.ifPresent((owned) -> this.operations.dropTable(table.database(), owned.name()));
	}

}
