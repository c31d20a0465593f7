package io.github.chmigrator;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.env.ConfigurableEnvironment;

import io.github.chmigrator.cli.ClusterCommand;
import io.github.chmigrator.cli.CommandLineFlags;
import io.github.chmigrator.cli.MigrationCommand;
import io.github.chmigrator.cli.MigratorEnvironment;
import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.ClickHouseException;
import io.github.chmigrator.clickhouse.ClickHouseSettings;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.config.MigrationSettings;
import io.github.chmigrator.config.ReportSettings;
import io.github.chmigrator.config.S3Settings;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.MigratorFailures;
import io.github.chmigrator.faults.FailurePoints;
import io.github.chmigrator.job.GracefulStop;
import io.github.chmigrator.lock.DatabaseLocks;
import io.github.chmigrator.lock.TableLocks;
import io.github.chmigrator.migration.OwnedTables;
import io.github.chmigrator.migration.SourceChanges;
import io.github.chmigrator.partition.CopiedPartitions;
import io.github.chmigrator.report.ReportWriter;
import io.github.chmigrator.run.DatabaseRunner;
import io.github.chmigrator.run.DryRun;
import io.github.chmigrator.run.JobControl;
import io.github.chmigrator.run.JobHistory;
import io.github.chmigrator.run.RunListener;
import io.github.chmigrator.run.RunReports;
import io.github.chmigrator.run.TableAbort;
import io.github.chmigrator.run.TableRunner;

/**
 * {@code clickhouse-migrator}: moves ClickHouse tables onto an S3 storage policy as a restartable
 * Spring Batch job. {@link #run(Map, String...)} returns the exit code; {@link #main} hands it to
 * the shell.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ClickhouseMigratorApplication {

	private static final String PARENT_PID = "--migrator.parent-pid";

	public static void main(String[] args) {
		System.exit(run(System.getenv(), args));
	}

	/**
	 * Runs one command.
	 * @param variables the environment variables to read (design §7.2)
	 * @param args the command line
	 * @return the exit code, see {@link ExitCodes}
	 */
	public static int run(Map<String, String> variables, String... args) {
		if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
			System.out.print(CommandLineFlags.usage());
			return ExitCodes.OK;
		}
		if (ClusterCommand.requested(args)) {
			try {
				return new ClusterCommand(variables, ClickhouseMigratorApplication.class.getName(), System.out).run(args);
			}
			catch (RuntimeException ex) {
				return startupFailure(ex);
			}
		}
		haltWithParent(args);
		ConfigurableEnvironment environment;
		try {
			environment = MigratorEnvironment.create(CommandLineFlags.parse(args), variables);
			MigratorEnvironment.validateBeforeStart(environment);
		}
		catch (MigratorException ex) {
			System.err.println("clickhouse-migrator: " + ex.getMessage());
			return ex.exitCode();
		}
		SpringApplication application = new SpringApplication(ClickhouseMigratorApplication.class);
		application.setEnvironment(environment);
		try (ConfigurableApplicationContext context = application.run()) {
			return SpringApplication.exit(context);
		}
		catch (RuntimeException ex) {
			return startupFailure(ex);
		}
	}

	/**
	 * A node's run of a cluster command ({@code --migrator.parent-pid=PID}) halts, as a kill -9
	 * would, when the cluster command's process is gone: one kill stops every node.
	 */
	private static void haltWithParent(String... args) {
		for (String arg : args) {
			if (arg.startsWith(PARENT_PID + "=")) {
				long parent = Long.parseLong(arg.substring(PARENT_PID.length() + 1));
				Thread watcher = new Thread(() -> {
					while (ProcessHandle.of(parent).map(ProcessHandle::isAlive).orElse(false)) {
						try {
							Thread.sleep(500);
						}
						catch (InterruptedException ex) {
							return;
						}
					}
					System.err.println("clickhouse-migrator: the cluster command (pid " + parent + ") is gone: halting");
					Runtime.getRuntime().halt(137);
				}, "parent-watch");
				watcher.setDaemon(true);
				watcher.start();
			}
		}
	}

	/** A failure before any job ran: one line on standard error, and the exit code. */
	static int startupFailure(RuntimeException failure) {
		MigratorException known = MigratorFailures.find(failure);
		if (known != null) {
			System.err.println("clickhouse-migrator: " + known.getMessage());
			return known.exitCode();
		}
		BindException bind = MigratorFailures.cause(failure, BindException.class);
		if (bind != null) {
			System.err.println("clickhouse-migrator: " + MigratorEnvironment.invalidValue(bind).getMessage());
			return ExitCodes.INVALID;
		}
		ClickHouseException clickhouse = MigratorFailures.cause(failure, ClickHouseException.class);
		if (clickhouse != null) {
			// a statement ClickHouse (or the driver reading its answer) failed before any job ran
			System.err.println("clickhouse-migrator: ClickHouse failed: " + clickhouse.getMessage());
			return ExitCodes.UNAVAILABLE;
		}
		SQLException jobRepository = MigratorFailures.cause(failure, SQLException.class);
		if (jobRepository != null) {
			System.err.println("clickhouse-migrator: cannot open the JobRepository (spring.datasource.*): "
					+ NestedExceptionUtils.getMostSpecificCause(jobRepository).getMessage());
			return ExitCodes.UNAVAILABLE;
		}
		System.err.println("clickhouse-migrator: failed to start: " + failure);
		return ExitCodes.FAILED;
	}

	@Bean
	MigrationCommand migrationCommand(TableRunner tableRunner, TableAbort tableAbort, ClickHouseCatalog catalog,
			TableOperations operations, ReportWriter reportWriter,
			JobRepository jobRepository, JobOperator jobOperator, ReportSettings reports,
			ObjectProvider<RunListener> listeners, ClickHouseSettings clickhouse,
			MigrationSettings migration, S3Settings s3, @Value("${migrator.node-result:}") String nodeResult) {
		return new MigrationCommand(tableRunner, tableAbort, new DatabaseRunner(catalog, tableRunner), new RunReports(reportWriter),
				new JobHistory(jobRepository), new JobControl(jobRepository, jobOperator, reports.path()), new DryRun(catalog, operations, reportWriter), listeners.orderedStream().toList(),
				clickhouse, migration, s3, nodeResult.isBlank() ? null : Path.of(nodeResult));
	}

	@Bean
	TableRunner tableRunner(JobOperator jobOperator, JobRepository jobRepository, Job migrateTable, TableLocks tableLocks,
			ReportWriter reportWriter, ClickHouseCatalog catalog, GracefulStop gracefulStop,
			ObjectProvider<DatabaseLocks> databaseLocks) {
		return new TableRunner(jobOperator, jobRepository, migrateTable, tableLocks, reportWriter, catalog, gracefulStop,
				databaseLocks.getIfAvailable());
	}

	@Bean
	TableAbort tableAbort(JobOperator jobOperator, JobRepository jobRepository, TableLocks tableLocks,
			ClickHouseCatalog catalog, TableOperations operations, OwnedTables ownedTables, FailurePoints failurePoints,
			ReportWriter reportWriter, TableRunner tableRunner, SourceChanges sourceChanges, CopiedPartitions copiedPartitions) {
		return new TableAbort(jobOperator, jobRepository, tableLocks, catalog, operations, ownedTables, failurePoints,
				reportWriter, tableRunner, sourceChanges, copiedPartitions);
	}

	@Bean
	GracefulStop gracefulStop(JobOperator jobOperator) {
		return new GracefulStop(jobOperator);
	}

	/**
	 * One lock file per table (design §4.2.8) under {@code lock.path}, renewed every
	 * {@code lock.heartbeat}, stale once its heartbeat stopped for {@code lock.timeout}.
	 */
	@Bean
	TableLocks tableLocks(@Value("${lock.path:${migrator.home:./data}/locks}") Path directory,
			@Value("${lock.timeout:2m}") Duration timeout, @Value("${lock.heartbeat:10s}") Duration heartbeat) {
		return new TableLocks(directory, timeout, heartbeat, Clock.systemUTC());
	}

}
