package io.github.chmigrator.run;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.config.MigrationSettings;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.MigratorFailures;
import io.github.chmigrator.job.GracefulStop;
import io.github.chmigrator.job.MigrationJobConfiguration;
import io.github.chmigrator.lock.DatabaseLocks;
import io.github.chmigrator.lock.TableLock;
import io.github.chmigrator.lock.TableLocks;
import io.github.chmigrator.migration.MigrationOutcome;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.PartitionPlanner;
import io.github.chmigrator.report.ReportWriter;

/**
 * Migrates one table: takes the table lock, recovers an execution a killed run left
 * {@code STARTED} (its owner is gone, as the lock proves), then starts the job: a new JobInstance,
 * or a restart of the failed one with the same identifying parameters.
 */
public class TableRunner {

	private static final Logger logger = LoggerFactory.getLogger(TableRunner.class);

	private final JobOperator jobOperator;

	private final JobRepository jobRepository;

	private final Job migrateTable;

	private final TableLocks locks;

	private final ReportWriter reports;

	private final ClickHouseCatalog catalog;

	private final GracefulStop stop;

	private final DatabaseLocks databaseLocks;

	/**
	 * @param databaseLocks the lock in a shared JobRepository's database, {@code null} without one
	 */
	public TableRunner(JobOperator jobOperator, JobRepository jobRepository, Job migrateTable, TableLocks locks,
			ReportWriter reports, ClickHouseCatalog catalog, GracefulStop stop, DatabaseLocks databaseLocks) {
		this.databaseLocks = databaseLocks;
		this.catalog = catalog;
		this.stop = stop;
		this.jobOperator = jobOperator;
		this.jobRepository = jobRepository;
		this.migrateTable = migrateTable;
		this.locks = locks;
		this.reports = reports;
	}

	/** Migrates a table: restarts its unfinished JobInstance, or starts one. */
	public TableOutcome run(TableJobParameters table, MigrationSettings settings) {
		TableJobParameters identified = table.onServer(this.catalog.serverIdentity());
		return run(identified, identified.toJobParameters(settings, generation(identified)));
	}

	/**
	 * The generation of the table's JobInstance: the latest one recorded, or the next when the
	 * latest completed and yet the table is no longer on the target policy.
	 */
	private long generation(TableJobParameters table) {
		JobExecution latest = latestExecution(table);
		if (latest == null) {
			return 1;
		}
		if (latest.getStatus() == BatchStatus.ABANDONED) {
			logger.info("Table {}: job instance {} was abandoned (--abort): migrating it as generation {}",
					table.qualifiedTable(), latest.getJobInstanceId(), generation(latest) + 1);
			return generation(latest) + 1;
		}
		if (latest.getStatus() == BatchStatus.COMPLETED
				&& !this.catalog.isOnPolicy(table.database(), table.table(), table.targetPolicy())) {
			logger.info("Table {}: job instance {} migrated it to policy '{}' before, but it is not on that policy now: "
					+ "migrating it again as generation {}", table.qualifiedTable(), latest.getJobInstanceId(),
					table.targetPolicy(), generation(latest) + 1);
			return generation(latest) + 1;
		}
		if (latest.getStatus() == BatchStatus.COMPLETED && movedPartsLeftBehind(table, latest)) {
			logger.info("Table {}: job instance {} moved it in place to policy '{}', but parts were written off volume '{}' "
					+ "since (new inserts land on the policy's first volume): moving them as generation {}",
					table.qualifiedTable(), latest.getJobInstanceId(), table.targetPolicy(),
					latest.getExecutionContext().getString(MigrationOutcome.MOVE_VOLUME), generation(latest) + 1);
			return generation(latest) + 1;
		}
		return generation(latest);
	}

	/** Whether a completed in-place migration left the table with parts off the volume it moved them to. */
	private boolean movedPartsLeftBehind(TableJobParameters table, JobExecution completed) {
		var context = completed.getExecutionContext();
		if (!PartitionPlanner.MOVE.equals(context.getString(MigrationOutcome.CHOSEN, ""))
				|| !context.containsKey(MigrationOutcome.MOVE_DISKS)) {
			return false;
		}
		return this.catalog.hasPartsOffDisks(table.database(), table.table(),
				List.of(context.getString(MigrationOutcome.MOVE_DISKS).split(",")));
	}

	/**
	 * The last execution of the table's latest generation, {@code null} when it was never migrated.
	 * Looked up by identifying parameters, generation after generation (they are numbered from 1
	 * without gaps), so its cost is the table's generations, not the JobRepository's history.
	 */
	JobExecution latestExecution(TableJobParameters table) {
		JobExecution latest = null;
		for (long generation = 1;; generation++) {
			JobInstance instance = this.jobRepository.getJobInstance(MigrationJobConfiguration.JOB_NAME,
					table.identifyingParameters(generation));
			if (instance == null) {
				return latest;
			}
			JobExecution last = this.jobRepository.getLastJobExecution(instance);
			if (last != null) {
				latest = last;
			}
		}
	}

	private static long generation(JobExecution execution) {
		return execution.getJobParameters().getLong(TableJobParameters.GENERATION, 1L);
	}

	/** Runs the table's job; a failure the operator can act on is returned, never thrown. */
	public TableOutcome run(TableJobParameters table, JobParameters parameters) {
		if (this.stop.requested()) {
			return new TableOutcome(table.database(), table.table(), "STOPPED", ExitCodes.STOPPED,
					"not started: a stop was requested", null, null);
		}
		try (TableLock lock = this.locks.acquire(table.database(), table.table(), lockKey(table));
				AutoCloseable shared = sharedLock(table)) {
			recoverAbandoned(table, parameters);
			return outcome(table, this.jobOperator.start(this.migrateTable, parameters));
		}
		catch (JobInstanceAlreadyCompleteException ex) {
			logger.info("ALREADY_MIGRATED {}: an earlier run completed this migration to policy '{}'",
					table.qualifiedTable(), table.targetPolicy());
			return new TableOutcome(table.database(), table.table(), "ALREADY_MIGRATED", ExitCodes.OK,
					"an earlier run completed it", null, null);
		}
		catch (MigratorException ex) {
			logger.error("{}: {}", table.qualifiedTable(), ex.getMessage());
			return new TableOutcome(table.database(), table.table(), (ex.exitCode() == ExitCodes.LOCKED) ? "LOCKED" : "FAILED",
					ex.exitCode(), ex.getMessage(), null, null);
		}
		catch (Exception ex) {
			logger.error("{}: cannot start the job", table.qualifiedTable(), ex);
			return new TableOutcome(table.database(), table.table(), "FAILED", ExitCodes.FAILED,
					"cannot start the job: " + ex.getMessage(), null, null);
		}
	}

	/** The lock in the JobRepository's database, when it is shared; a no-op otherwise. */
	AutoCloseable sharedLock(TableJobParameters table) {
		return (this.databaseLocks != null)
				? this.databaseLocks.acquire(lockKey(table) + "/" + table.qualifiedTable(), table.qualifiedTable()) : () -> {
				};
	}

	/** The lock's server part: the server's identity; an instance from before identities names its endpoint. */
	static String lockKey(TableJobParameters table) {
		return (table.server() != null) ? table.server() : table.clickhouse();
	}

	/** Restarts a JobInstance by id with the parameters of its last execution. */
	public TableOutcome restart(long instanceId) {
		var instance = this.jobRepository.getJobInstance(instanceId);
		if (instance == null || !instance.getJobName().equals(MigrationJobConfiguration.JOB_NAME)) {
			throw new MigratorException(ExitCodes.INVALID, "--restart " + instanceId + ": no such job instance");
		}
		JobExecution last = this.jobRepository.getLastJobExecution(instance);
		if (last == null) {
			throw new MigratorException(ExitCodes.INVALID, "--restart " + instanceId + ": the job instance has no execution");
		}
		return run(TableJobParameters.of(last.getJobParameters()), last.getJobParameters());
	}

	private void recoverAbandoned(TableJobParameters table, JobParameters parameters) {
		JobExecution last = this.jobRepository.getLastJobExecution(MigrationJobConfiguration.JOB_NAME, parameters);
		if (last != null && last.isRunning()) {
			logger.warn("Table {}: job execution {} was left {} by a run that is gone; marking it FAILED and restarting",
					table.qualifiedTable(), last.getId(), last.getStatus());
			this.jobOperator.recover(last);
		}
	}

	private TableOutcome outcome(TableJobParameters table, JobExecution execution) {
		var context = execution.getExecutionContext();
		String summary = context.getString(ReportWriter.SUMMARY, table.qualifiedTable());
		String reportFile = context.getString(ReportWriter.REPORT_FILE, null);
		var report = this.reports.take(execution.getId());
		String ids = "job instance %d, execution %d".formatted(execution.getJobInstanceId(), execution.getId());
		if (execution.getStatus() == BatchStatus.COMPLETED) {
			boolean already = MigrationOutcome.alreadyMigrated(execution);
			logger.info("{} ({}; report {})", summary, ids, reportFile);
			return new TableOutcome(table.database(), table.table(), already ? "ALREADY_MIGRATED" : "COMPLETED",
					ExitCodes.OK, summary, report, reportFile);
		}
		int code = MigrationOutcome.exitCode(execution);
		String reason = (execution.getStatus() == BatchStatus.STOPPED) ? "stopped on request"
				: MigratorFailures.describe(execution.getAllFailureExceptions());
		String progress = (report != null && report.totals().partitions() > 0) ? summary
				: execution.getStatus() + " " + table.qualifiedTable();
		String hint = (code == ExitCodes.FAILED || code == ExitCodes.STOPPED)
				? "; rerun the same command or --restart " + execution.getJobInstanceId() + " to resume" : "";
		logger.error("{}: {} ({}; report {}; exit code {}{})", progress, reason, ids, reportFile, code, hint);
		return new TableOutcome(table.database(), table.table(), execution.getStatus().name(), code, reason, report,
				reportFile);
	}

}
