package io.github.chmigrator.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;

import io.github.chmigrator.clickhouse.ClickHouseSettings;
import io.github.chmigrator.config.MigrationSettings;
import io.github.chmigrator.config.S3Settings;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.run.DatabaseRunner;
import io.github.chmigrator.run.JobControl;
import io.github.chmigrator.run.JobHistory;
import io.github.chmigrator.run.RunListener;
import io.github.chmigrator.run.NodeResult;
import io.github.chmigrator.run.RunReports;
import io.github.chmigrator.run.RunSummary;
import io.github.chmigrator.run.DryRun;
import io.github.chmigrator.run.TableAbort;
import io.github.chmigrator.run.TableOutcome;
import io.github.chmigrator.run.TableRunner;

/**
 * Runs what the command line asks for (one table, a whole database, or a restart by JobInstance
 * id) and turns the outcome into the process exit code: the design's orchestrator (§4.2.1), with
 * the JobRepository as the record of every run.
 */
public class MigrationCommand implements ApplicationRunner, ExitCodeGenerator {

	private static final Logger logger = LoggerFactory.getLogger(MigrationCommand.class);

	private final TableRunner tables;

	private final TableAbort aborts;

	private final DatabaseRunner databases;

	private final RunReports runReports;

	private final JobHistory history;

	private final JobControl control;

	private final List<RunListener> listeners;

	private final ClickHouseSettings clickhouse;

	private final MigrationSettings migration;

	private final S3Settings s3;

	private final DryRun dryRun;

	private final Path nodeResult;

	private int exitCode = ExitCodes.OK;

	public MigrationCommand(TableRunner tables, TableAbort aborts, DatabaseRunner databases, RunReports runReports,
			JobHistory history, JobControl control, DryRun dryRun, List<RunListener> listeners, ClickHouseSettings clickhouse,
			MigrationSettings migration, S3Settings s3, Path nodeResult) {
		this.nodeResult = nodeResult;
		this.dryRun = dryRun;
		this.tables = tables;
		this.aborts = aborts;
		this.databases = databases;
		this.runReports = runReports;
		this.history = history;
		this.control = control;
		this.listeners = listeners;
		this.clickhouse = clickhouse;
		this.migration = migration;
		this.s3 = s3;
	}

	@Override
	public void run(ApplicationArguments args) {
		NodeResult result;
		try {
			this.migration.validate();
			if (this.migration.list()) {
				this.history.print(System.out);
				return;
			}
			if (this.migration.stop() != null) {
				this.exitCode = this.control.stop(this.migration.stop());
				return;
			}
			if (this.migration.statusRequested()) {
				this.exitCode = this.control.status(this.migration.status(), this.migration.json(), System.out);
				return;
			}
			if (this.migration.dryRun()) {
				this.exitCode = this.dryRun.run(this.clickhouse.endpoint(), this.migration, this.s3.policy(), System.out);
				result = new NodeResult(this.exitCode, "dry run", List.of());
			}
			else {
				RunSummary run = execute();
				this.listeners.forEach((listener) -> listener.afterRun(run));
				this.exitCode = run.exitCode();
				result = NodeResult.of(run);
			}
		}
		catch (MigratorException ex) {
			logger.error(ex.getMessage());
			this.exitCode = ex.exitCode();
			result = new NodeResult(this.exitCode, ex.getMessage(), List.of());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.exitCode = ExitCodes.FAILED;
			return;
		}
		writeNodeResult(result);
	}

	/** For the process running a cluster command: what this node's run did ({@link ClusterCommand}). */
	private void writeNodeResult(NodeResult result) {
		if (this.nodeResult == null) {
			return;
		}
		try {
			result.write(this.nodeResult);
		}
		catch (IOException ex) {
			logger.warn("Cannot write the node result {}: {}", this.nodeResult, ex.getMessage());
		}
	}

	private RunSummary execute() {
		Instant start = Instant.now();
		if (this.migration.restart() != null) {
			return single(start, this.tables.restart(this.migration.restart()));
		}
		if (this.migration.mode().equals("full")) {
			RunSummary run = this.databases.run(this.clickhouse.endpoint(), this.migration.db(), this.s3.policy(), this.migration);
			Path report = this.runReports.write(run);
			logger.info("{} database {}: {} tables, {} completed, {} failed, {} skipped; {} partitions, {} rows, {} in {} (report {})",
					(run.failed() == 0) ? "COMPLETED" : "FAILED", run.database(), run.total(), run.completed(), run.failed(),
					run.skipped(), run.completedPartitions(), Sizes.count(run.rows()), Sizes.bytes(run.bytes()),
					Sizes.seconds(run.durationSeconds()), report);
			return run;
		}
		TableJobParameters table = TableJobParameters.forTable(this.clickhouse, this.migration.db(), this.migration.table(),
				this.s3.policy());
		if (this.migration.abort()) {
			return single(start, this.aborts.abort(table, this.migration.acceptSourceChanges()));
		}
		return single(start, this.tables.run(table, this.migration));
	}

	private RunSummary single(Instant start, TableOutcome outcome) {
		return new RunSummary("single", outcome.database(), this.s3.policy(), this.clickhouse.endpoint(), start,
				Instant.now(), List.of(outcome));
	}

	@Override
	public int getExitCode() {
		return this.exitCode;
	}

}
