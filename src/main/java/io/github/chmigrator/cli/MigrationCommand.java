package io.github.chmigrator.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.JobInstanceAlreadyCompleteException;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;

import io.github.chmigrator.ExitCodes;
import io.github.chmigrator.MigratorException;
import io.github.chmigrator.clickhouse.ClickHouseSettings;
import io.github.chmigrator.config.MigrationSettings;
import io.github.chmigrator.config.S3Settings;
import io.github.chmigrator.job.MigrationJobConfiguration;
import io.github.chmigrator.job.MigratorFailures;
import io.github.chmigrator.job.TableJobParameters;
import io.github.chmigrator.lock.TableLock;
import io.github.chmigrator.lock.TableLocks;
import io.github.chmigrator.policy.CheckPolicyTasklet;
import io.github.chmigrator.report.ReportWriter;

/**
 * Runs what the command line asks for and turns the outcome into the process exit code: the
 * design's orchestrator (§4.2.1), with the JobRepository as the record of every run. For a table
 * it takes the table lock, recovers an execution a killed run left {@code STARTED}, then starts
 * the job: a new JobInstance, or a restart of the failed one with the same identifying parameters.
 */
public class MigrationCommand implements ApplicationRunner, ExitCodeGenerator {

	private static final Logger logger = LoggerFactory.getLogger(MigrationCommand.class);

	private final JobOperator jobOperator;

	private final JobRepository jobRepository;

	private final Job migrateTable;

	private final TableLocks locks;

	private final ClickHouseSettings clickhouse;

	private final MigrationSettings migration;

	private final S3Settings s3;

	private int exitCode = ExitCodes.OK;

	public MigrationCommand(JobOperator jobOperator, JobRepository jobRepository, Job migrateTable, TableLocks locks,
			ClickHouseSettings clickhouse, MigrationSettings migration, S3Settings s3) {
		this.jobOperator = jobOperator;
		this.jobRepository = jobRepository;
		this.migrateTable = migrateTable;
		this.locks = locks;
		this.clickhouse = clickhouse;
		this.migration = migration;
		this.s3 = s3;
	}

	@Override
	public void run(ApplicationArguments args) {
		try {
			this.migration.validate();
			if (this.migration.restart() != null) {
				this.exitCode = restart(this.migration.restart());
				return;
			}
			if (this.migration.mode().equals("full")) {
				throw new MigratorException(ExitCodes.INVALID, "--mode full is not available in this version");
			}
			TableJobParameters table = TableJobParameters.forTable(this.clickhouse, this.migration.db(),
					this.migration.table(), this.s3.policy());
			this.exitCode = migrateTable(table, table.toJobParameters(this.migration));
		}
		catch (MigratorException ex) {
			logger.error(ex.getMessage());
			this.exitCode = ex.exitCode();
		}
	}

	private int restart(long instanceId) {
		var instance = this.jobRepository.getJobInstance(instanceId);
		if (instance == null || !instance.getJobName().equals(MigrationJobConfiguration.JOB_NAME)) {
			throw new MigratorException(ExitCodes.INVALID, "--restart " + instanceId + ": no such job instance");
		}
		JobExecution last = this.jobRepository.getLastJobExecution(instance);
		if (last == null) {
			throw new MigratorException(ExitCodes.INVALID, "--restart " + instanceId + ": the job instance has no execution");
		}
		JobParameters parameters = last.getJobParameters();
		return migrateTable(TableJobParameters.of(parameters), parameters);
	}

	private int migrateTable(TableJobParameters table, JobParameters parameters) {
		try (TableLock lock = this.locks.acquire(table.database(), table.table(), table.clickhouse())) {
			recoverAbandoned(table, parameters, lock);
			JobExecution execution = this.jobOperator.start(this.migrateTable, parameters);
			return outcome(table, execution);
		}
		catch (JobInstanceAlreadyCompleteException ex) {
			logger.info("ALREADY MIGRATED {}: an earlier run completed this migration to policy '{}'", table.qualifiedTable(),
					table.targetPolicy());
			return ExitCodes.OK;
		}
		catch (MigratorException ex) {
			throw ex;
		}
		catch (Exception ex) {
			throw new MigratorException(ExitCodes.FAILED,
					"cannot start the job for " + table.qualifiedTable() + ": " + ex.getMessage(), ex);
		}
	}

	/** An execution left STARTED by a run that was killed: its owner is gone, as the lock proves. */
	private void recoverAbandoned(TableJobParameters table, JobParameters parameters, TableLock lock) {
		JobExecution last = this.jobRepository.getLastJobExecution(MigrationJobConfiguration.JOB_NAME, parameters);
		if (last != null && last.isRunning()) {
			logger.warn("Table {}: job execution {} was left {} by a run that is gone; marking it FAILED and restarting",
					table.qualifiedTable(), last.getId(), last.getStatus());
			this.jobOperator.recover(last);
		}
	}

	private int outcome(TableJobParameters table, JobExecution execution) {
		String summary = execution.getExecutionContext().getString(ReportWriter.SUMMARY, table.qualifiedTable());
		String report = execution.getExecutionContext().getString(ReportWriter.REPORT_FILE, "not written");
		String ids = "job instance %d, execution %d".formatted(execution.getJobInstanceId(), execution.getId());
		if (execution.getStatus() == BatchStatus.COMPLETED) {
			boolean already = execution.getExitStatus().getExitCode().equals(CheckPolicyTasklet.ALREADY_MIGRATED.getExitCode());
			logger.info("{} ({}; report {})", already ? summary.replaceFirst("^COMPLETED", "ALREADY_MIGRATED") : summary, ids,
					report);
			return ExitCodes.OK;
		}
		int code = MigratorFailures.exitCode(execution.getAllFailureExceptions());
		logger.error("{}: {} ({}; report {}; exit code {}; rerun the same command or --restart {} to resume)", summary,
				MigratorFailures.describe(execution.getAllFailureExceptions()), ids, report, code,
				execution.getJobInstanceId());
		return code;
	}

	@Override
	public int getExitCode() {
		return this.exitCode;
	}

}
