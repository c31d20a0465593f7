package io.github.chmigrator.job;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.chmigrator.cli.ConfigFile;
import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Closeables;
import io.github.chmigrator.support.EmbeddedPostgresServer;
import io.github.chmigrator.support.JobRepositoryFiles;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ready scheduler configurations in {@code job-configs/} drive real runs through the CLI's
 * {@code --config}: each file is loaded as it ships, with only what differs on the test stack
 * given as flags (server, user, work directory, report and log paths, the scratch database and
 * table, the JobRepository's address), since flags beat the file. What the file alone decides
 * (mode, verify, parallelism, the JobRepository's user and password variable) shows in the run.
 */
@ExtendWith(OutputCaptureExtension.class)
class JobConfigsIntegrationTests {

	private static final Path CONFIGS = Path.of("job-configs").toAbsolutePath();

	private static final String DEFINITION = "(day Date, id UInt64, s String) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY id";

	private static final long CHILD_TIMEOUT_SECONDS = 180;

	private static EmbeddedPostgresServer postgres;

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void start() throws IOException {
		postgres = EmbeddedPostgresServer.start();
		db = new TestDatabase(ClickHouseStack.get(), "it_job_configs");
	}

	@AfterAll
	static void stop() throws Exception {
		Closeables.closeAll(db, postgres);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "single-table.yaml", "whole-database.yaml", "postgres-jobrepository.yaml" })
	void jobConfigSaysHowToScheduleItAndWhatEachExitCodeMeansAndHoldsNoPassword(String name) throws IOException {
		Path file = CONFIGS.resolve(name);
		String text = Files.readString(file, StandardCharsets.UTF_8);
		Map<String, Object> properties = ConfigFile.load(file);

		assertThat(text).contains("--config", "cron", "systemd", "Airflow", "CH_PASSWORD");
		assertThat(text.lines().filter((line) -> line.matches("#\\s+[0-4]\\s+\\S.*"))).as("one line per exit code")
			.extracting((line) -> line.replaceAll("#\\s+([0-4]).*", "$1"))
			.containsExactly("0", "1", "2", "3", "4");
		assertThat(properties).containsKeys("clickhouse.host", "clickhouse.port", "clickhouse.user", "s3.policy",
				"migration.insert_interval", "migration.resume", "logging.level.io.github.chmigrator", "logging.file.path",
				"report.path", "migration.mode", "migration.db");
		assertThat(properties).doesNotContainKey("clickhouse.password");
		properties.forEach((key, value) -> {
			if (key.toLowerCase().contains("password")) {
				assertThat(value.toString()).as(key + ": only an environment variable").matches("\\$\\{[A-Z_]+}");
			}
		});
	}

	@Test
	void singleTableConfigDrivesAMigrationWithItsOwnSettings() throws Exception {
		String table = "single_from_config";
		createTable(db, table, 3);
		TableFingerprint before = TableFingerprint.of(db, table);

		int exit = migrator().run("--config", CONFIGS.resolve("single-table.yaml").toString(), "--db", db.name(),
				"--table", table, "--log-path", this.workDir.resolve("logs").toString());

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(parameters()).as("from the file").contains(List.of("verify", "checksum"), List.of("parallelism", "1"),
				List.of("strategy", "auto"), List.of("keepSource", "false"));
		assertThat(JobRepositoryFiles.jobExecutions(this.workDir)).extracting(JobRepositoryFiles.Execution::status)
			.containsExactly("COMPLETED");
		assertThat(reports(db.name() + "." + table)).singleElement().asString().contains("\"status\" : \"COMPLETED\"");
	}

	@Test
	void wholeDatabaseConfigMigratesEveryTableOfTheDatabaseInFullMode() throws Exception {
		try (TestDatabase full = new TestDatabase(ClickHouseStack.get(), "it_job_configs_full")) {
			List<String> tables = List.of("alpha", "beta", "gamma");
			for (int i = 0; i < tables.size(); i++) {
				createTable(full, tables.get(i), i + 2);
			}
			full.execute("CREATE VIEW {db}.alpha_view AS SELECT id FROM {db}.alpha");
			Map<String, TableFingerprint> before = tables.stream()
				.collect(Collectors.toMap((table) -> table, (table) -> TableFingerprint.of(full, table)));

			int exit = migrator().run("--config", CONFIGS.resolve("whole-database.yaml").toString(), "--db", full.name(),
					"--log-path", this.workDir.resolve("logs").toString());

			assertThat(exit).isEqualTo(ExitCodes.OK);
			for (String table : tables) {
				assertThat(TableFingerprint.of(full, table)).as(table).isEqualTo(before.get(table));
				assertThat(TableFingerprint.disks(full, table)).as(table).containsExactly("s3");
			}
			assertThat(full.tables()).containsExactlyInAnyOrder("alpha", "alpha_view", "beta", "gamma");
			assertThat(JobRepositoryFiles.jobInstanceIds(this.workDir)).as("one JobInstance per table").hasSize(3);
			assertThat(parameters()).as("from the file").contains(List.of("parallelism", "2"), List.of("verify", "checksum"));
		}
	}

	@Test
	void postgresJobRepositoryConfigKeepsTheRunHistoryInPostgresqlWithThePasswordFromTheEnvironment() throws Exception {
		String database = postgres.createDatabase("jr_job_config");
		String table = "postgres_from_config";
		createTable(db, table, 2);
		TableFingerprint before = TableFingerprint.of(db, table);
		Path output = this.workDir.resolve("migrator.out");

		// the file's user and ${JOBREPOSITORY_PASSWORD}; only the server's address differs here
		Process child = migrator().withVariable("JOBREPOSITORY_PASSWORD", EmbeddedPostgresServer.PASSWORD)
			.separateJvm(output, "--config", CONFIGS.resolve("postgres-jobrepository.yaml").toString(), "--db", db.name(),
					"--table", table, "--log-path", this.workDir.resolve("logs").toString(),
					"--spring.datasource.url=" + postgres.url(database), "--lock.path=" + this.workDir.resolve("locks"))
			.start();
		int exit = awaitExit(child, output);

		assertThat(exit).as(Files.readString(output)).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(postgres.batchTables(database))
			.containsExactlyInAnyOrderElementsOf(PostgresJobRepositoryIntegrationTests.BATCH_TABLES);
		assertThat(postgres.jobExecutions(database)).extracting(JobRepositoryFiles.Execution::status)
			.containsExactly("COMPLETED");
		assertThat(postgres.rows(database, "SELECT PARAMETER_VALUE FROM BATCH_JOB_EXECUTION_PARAMS WHERE PARAMETER_NAME = 'table'"))
			.containsExactly(List.of(table));
		assertThat(this.workDir.resolve("data/jobrepository.mv.db")).as("no embedded H2 JobRepository").doesNotExist();
		assertThat(this.workDir.resolve("locks")).isDirectory();
		assertThat(Files.readString(output)).doesNotContain(EmbeddedPostgresServer.PASSWORD);
	}

	@Test
	void postgresJobRepositoryConfigWithoutItsPasswordVariableIsRefusedAsInvalidConfigurationNamingTheVariable(
			CapturedOutput output) throws Exception {
		String table = "postgres_without_password";
		createTable(db, table, 2);
		assertThat(System.getenv("JOBREPOSITORY_PASSWORD")).as("this test's environment").isNull();

		int exit = migrator().run("--config", CONFIGS.resolve("postgres-jobrepository.yaml").toString(), "--db", db.name(),
				"--table", table, "--log-path", this.workDir.resolve("logs").toString(),
				"--spring.datasource.url=" + postgres.url(postgres.createDatabase("jr_no_password")),
				"--lock.path=" + this.workDir.resolve("locks"));

		assertThat(TableFingerprint.policy(db, table)).as("nothing changed").isEqualTo("default");
		assertThat(exit).as("a configuration error, like a missing flag").isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("JOBREPOSITORY_PASSWORD");
	}

	private Migrator migrator() {
		return new Migrator(ClickHouseStack.get(), this.workDir);
	}

	/** Name and value of every job parameter in the work directory's H2 JobRepository. */
	private List<List<String>> parameters() throws Exception {
		return JobRepositoryFiles.rows(this.workDir, "SELECT PARAMETER_NAME, PARAMETER_VALUE FROM BATCH_JOB_EXECUTION_PARAMS");
	}

	/** The JSON reports of one table's runs. */
	private List<String> reports(String qualifiedTable) throws IOException {
		List<String> reports = new ArrayList<>();
		try (Stream<Path> files = Files.list(this.workDir.resolve("reports"))) {
			for (Path file : files.toList()) {
				String name = file.getFileName().toString();
				if (name.startsWith("migration_" + qualifiedTable + "_") && name.endsWith(".json")) {
					reports.add(Files.readString(file));
				}
			}
		}
		return reports;
	}

	private static int awaitExit(Process child, Path output) throws Exception {
		if (!child.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
			child.destroyForcibly();
			child.waitFor(20, TimeUnit.SECONDS);
			throw new AssertionError("the migrator did not end within " + CHILD_TIMEOUT_SECONDS + " s: " + Files.readString(output));
		}
		return child.exitValue();
	}

	/** A table of {@code months} partitions, two parts in each, merges stopped. */
	private static void createTable(TestDatabase database, String table, int months) {
		String qualified = Sql.qualified(database.name(), table);
		database.execute("CREATE TABLE " + qualified + " " + DEFINITION, "SYSTEM STOP MERGES " + qualified);
		for (int insert = 0; insert < 2; insert++) {
			database.execute("INSERT INTO " + qualified + " SELECT addMonths(toDate('2024-01-01'), number % " + months
					+ "), number, toString(number) FROM numbers(" + (insert * 500) + ", 500)");
		}
	}

}
