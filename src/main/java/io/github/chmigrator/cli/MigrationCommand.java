package io.github.chmigrator.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;

import io.github.chmigrator.ExitCodes;
import io.github.chmigrator.MigratorException;
import io.github.chmigrator.clickhouse.ClickHouseSettings;
import io.github.chmigrator.config.MigrationSettings;
import io.github.chmigrator.config.S3Settings;
import io.github.chmigrator.job.MigratorFailures;
import io.github.chmigrator.job.TableJobParameters;
import io.github.chmigrator.policy.CheckPolicyTasklet;

/**
 * Runs what the command line asks for and turns the outcome into the process exit code: the
 * design's orchestrator (§4.2.1), with the JobRepository as the record of every run.
 */
public class MigrationCommand implements ApplicationRunner, ExitCodeGenerator {

	private static final Logger logger = LoggerFactory.getLogger(MigrationCommand.class);

	private final JobOperator jobOperator;

	private final Job migrateTable;

	private final ClickHouseSettings clickhouse;

	private final MigrationSettings migration;

	private final S3Settings s3;

	private int exitCode = ExitCodes.OK;

	public MigrationCommand(JobOperator jobOperator, Job migrateTable, ClickHouseSettings clickhouse,
			MigrationSettings migration, S3Settings s3) {
		this.jobOperator = jobOperator;
		this.migrateTable = migrateTable;
		this.clickhouse = clickhouse;
		this.migration = migration;
		this.s3 = s3;
	}

	@Override
	public void run(ApplicationArguments args) {
		try {
			this.migration.validate();
			if (this.migration.mode().equals("full")) {
				throw new MigratorException(ExitCodes.INVALID, "--mode full is not available in this version");
			}
			this.exitCode = migrateTable(TableJobParameters.forTable(this.clickhouse, this.migration.db(),
					this.migration.table(), this.s3.policy()));
		}
		catch (MigratorException ex) {
			logger.error(ex.getMessage());
			this.exitCode = ex.exitCode();
		}
	}

	private int migrateTable(TableJobParameters table) {
		JobExecution execution;
		try {
			execution = this.jobOperator.start(this.migrateTable, table.toJobParameters(this.migration));
		}
		catch (Exception ex) {
			throw new MigratorException(ExitCodes.FAILED, "cannot start the job for " + table.qualifiedTable() + ": " + ex.getMessage(), ex);
		}
		BatchStatus status = execution.getStatus();
		if (status == BatchStatus.COMPLETED) {
			boolean already = execution.getExitStatus().getExitCode().equals(CheckPolicyTasklet.ALREADY_MIGRATED.getExitCode());
			logger.info("{} {}: {} (job instance {}, execution {})", already ? "ALREADY MIGRATED" : "COMPLETED",
					table.qualifiedTable(), already ? "already on policy '" + table.targetPolicy() + "'" : "done",
					execution.getJobInstanceId(), execution.getId());
			return ExitCodes.OK;
		}
		int code = MigratorFailures.exitCode(execution.getAllFailureExceptions());
		logger.error("{} {}: {} (job instance {}, execution {}; exit code {})", status, table.qualifiedTable(),
				MigratorFailures.describe(execution.getAllFailureExceptions()), execution.getJobInstanceId(),
				execution.getId(), code);
		return code;
	}

	@Override
	public int getExitCode() {
		return this.exitCode;
	}

}
