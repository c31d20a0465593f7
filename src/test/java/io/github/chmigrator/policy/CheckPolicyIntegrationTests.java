package io.github.chmigrator.policy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.JobRepositoryFiles;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The first steps of the job against the real engine: the policy check and the partition plan,
 * and the one-line answers to what an operator can get wrong.
 */
@ExtendWith(OutputCaptureExtension.class)
class CheckPolicyIntegrationTests {

	private static TestDatabase db;

	@TempDir
	Path workDir;

	/** {@code events} is never migrated here: the tests that migrate a table use one of their own. */
	@BeforeAll
	static void createTable() {
		db = new TestDatabase(ClickHouseStack.get(), "it_check_policy");
		createEvents("events");
	}

	private static void createEvents(String table) {
		db.execute("CREATE TABLE {db}." + table + " (day Date, id UInt64, payload String) ENGINE = MergeTree "
				+ "PARTITION BY toYYYYMM(day) ORDER BY id",
				"INSERT INTO {db}." + table + " SELECT toDate('2024-01-01') + number % 90, number, toString(number) FROM numbers(3000)");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	private Migrator migrator() {
		return new Migrator(ClickHouseStack.get(), this.workDir);
	}

	@Test
	void checksThePolicyAndPlansEveryPartition(CapturedOutput output) {
		createEvents("planned");
		int exit = migrator().run("--mode", "single", "--db", db.name(), "--table", "planned", "--s3-policy", "s3");

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(output).contains("storage policy 'default' -> 's3'")
			.contains("partition 202401 (id 202401) [1/3]")
			.contains("partition 202403 (id 202403) [3/3]")
			.contains("3 partitions, 3,000 rows");
	}

	@Test
	void tableAlreadyOnThePolicyIsReportedAsAlreadyMigrated(CapturedOutput output) {
		db.execute("CREATE TABLE IF NOT EXISTS {db}.cold (id UInt64) ENGINE = MergeTree ORDER BY id SETTINGS storage_policy = 's3'");

		int exit = migrator().run("--mode", "single", "--db", db.name(), "--table", "cold", "--s3-policy", "s3");

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(output).contains("Table it_check_policy.cold is already on storage policy 's3': nothing to migrate")
			.contains("ALREADY_MIGRATED it_check_policy.cold");
		assertThat(db.tables()).doesNotContain("cold__migrating");
	}

	@Test
	void tableWithoutStoragePolicyIsRefusedNamingItsEngine(CapturedOutput output) {
		db.execute("CREATE TABLE IF NOT EXISTS {db}.journal (x UInt8) ENGINE = Log");

		int exit = migrator().run("--mode", "single", "--db", db.name(), "--table", "journal", "--s3-policy", "s3");

		assertThat(exit).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("table it_check_policy.journal uses Log: only MergeTree-family tables have a storage policy");
	}

	@Test
	void badFlagsAreOneLineAndStartNothing(CapturedOutput output) {
		Migrator migrator = migrator();

		assertThat(migrator.run("--mode", "single", "--db", db.name(), "--s3-policy", "s3")).isEqualTo(ExitCodes.INVALID);
		assertThat(migrator.run("--mode", "single", "--db", db.name(), "--table", "events", "--parallelism", "0"))
			.isEqualTo(ExitCodes.INVALID);
		assertThat(migrator.run("--mode", "everything", "--db", db.name())).isEqualTo(ExitCodes.INVALID);
		assertThat(migrator.run("--tabel", "events")).isEqualTo(ExitCodes.INVALID);

		assertThat(output).contains("--mode single needs --table")
			.contains("--parallelism must be a whole number, 1 or more (got '0')")
			.contains("--mode must be one of single, full (got 'everything')")
			.contains("unknown flag --tabel")
			.doesNotContain("\tat ");
		assertThat(migrator.workDir().resolve("data")).doesNotExist();
	}

	@Test
	void unknownPolicyIsNamedWithTheExistingOnes(CapturedOutput output) {
		int exit = migrator().run("--mode", "single", "--db", db.name(), "--table", "events", "--s3-policy", "nope");

		assertThat(exit).isEqualTo(ExitCodes.INVALID);
		assertThat(output).containsPattern("storage policy 'nope' does not exist on .*; existing policies: .*default.*s3.*tiered");
		assertThat(output).doesNotContain("\tat ");
	}

	@Test
	void policyWithoutS3DiskIsRefused(CapturedOutput output) {
		int exit = migrator().run("--mode", "single", "--db", db.name(), "--table", "events", "--s3-policy", "default");

		assertThat(exit).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("storage policy 'default' has no S3 disk");
	}

	@Test
	void unknownTableListsTheTablesOfTheDatabase(CapturedOutput output) {
		int exit = migrator().run("--mode", "single", "--db", db.name(), "--table", "nosuch", "--s3-policy", "s3");

		assertThat(exit).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("table it_check_policy.nosuch does not exist").containsPattern("tables in it_check_policy: [a-z, ]*events");
	}

	@Test
	void unknownDatabaseIsNamed(CapturedOutput output) {
		int exit = migrator().run("--mode", "single", "--db", "it_no_such_db", "--table", "events", "--s3-policy", "s3");

		assertThat(exit).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("database 'it_no_such_db' does not exist");
	}

	@Test
	void wrongPasswordIsOneLineWithoutThePassword(CapturedOutput output) {
		int exit = migrator().withVariable("CH_PASSWORD", "Wrong-Passw0rd-Value")
			.run("--mode", "single", "--db", db.name(), "--table", "events", "--s3-policy", "s3");

		assertThat(exit).isEqualTo(ExitCodes.UNAVAILABLE);
		assertThat(output).contains("refused user 'default'").doesNotContain("Wrong-Passw0rd-Value").doesNotContain("\tat ");
	}

	@Test
	void unreachableServerIsNamedAfterTheRetries(CapturedOutput output) throws IOException {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0)) {
			closedPort = socket.getLocalPort();
		}
		int exit = migrator().run("--mode", "single", "--db", db.name(), "--table", "events", "--s3-policy", "s3",
				"--port", Integer.toString(closedPort), "--clickhouse.connect-timeout=1s");

		assertThat(exit).isEqualTo(ExitCodes.UNAVAILABLE);
		assertThat(output).contains("cannot reach ClickHouse at " + ClickHouseStack.get().host() + ":" + closedPort + " after 3 retries")
			.doesNotContain("\tat ");
	}

	@Test
	void passwordIsNeitherLoggedNorStoredInTheJobRepository(CapturedOutput output) throws Exception {
		createEvents("secret");
		Migrator migrator = migrator();
		assertThat(migrator.run("--mode", "single", "--db", db.name(), "--table", "secret", "--s3-policy", "s3")).isZero();

		assertThat(output).doesNotContain(ClickHouseStack.get().password());
		assertThat(JobRepositoryFiles.dump(migrator.workDir())).contains("secret").doesNotContain(ClickHouseStack.get().password());
		assertThat(Files.readString(migrator.workDir().resolve("logs/clickhouse-migrator.log")))
			.contains("Table it_check_policy.secret")
			.doesNotContain(ClickHouseStack.get().password());
		try (var reports = Files.list(migrator.workDir().resolve("reports"))) {
			for (Path report : reports.toList()) {
				assertThat(Files.readString(report)).doesNotContain(ClickHouseStack.get().password());
			}
		}
	}

}
