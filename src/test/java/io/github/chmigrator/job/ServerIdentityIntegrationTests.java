package io.github.chmigrator.job;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.chmigrator.clickhouse.Checksum;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ChildLogs;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.JobRepositoryFiles;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job and its lock name the server by its identity, not by the address used to reach it, and a
 * job instance never reuses, clears or drops a work or staging table it did not create: not a
 * user's table with such a name, not the leftover of a run whose JobRepository is gone.
 */
@ExtendWith(OutputCaptureExtension.class)
class ServerIdentityIntegrationTests {

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@TempDir
	Path otherWorkDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_identity");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@Test
	void rerunWithAnotherJobRepositoryRefusesTheWorkTableItCannotAccountFor(CapturedOutput output) {
		String table = "lost_repository";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		// the design's original loop: the work table holds rows that exist nowhere else
		String[] command = with(command(table), "--free-local-per-partition");
		assertThat(run(this.workDir, with(command, "--migrator.fail-at=copy.afterDropPart@1"))).isEqualTo(ExitCodes.FAILED);
		Checksum split = TableFingerprint.distinctRowsOf(db, table, table + "__migrating");
		assertThat(db.count(table)).as("rows already moved out of the source").isLessThan(before.checksum().rows());

		int fresh = run(this.otherWorkDir, command);

		assertThat(fresh).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("table it_identity.lost_repository__migrating exists, and job instance 1 did not create it");
		assertThat(TableFingerprint.distinctRowsOf(db, table, table + "__migrating")).as("nothing cleared").isEqualTo(split);
		assertThat(split).isEqualTo(before.checksum());

		int resumed = run(this.workDir, command);

		assertThat(resumed).isEqualTo(ExitCodes.OK);
		assertMigratedExactly(table, before);
	}

	@Test
	void anotherAddressOfTheSameServerResumesTheSameJobInstance() throws Exception {
		String table = "other_address";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		assertThat(run(this.workDir, with(command(table), "--migrator.fail-at=copy.afterCopy@2")))
			.isEqualTo(ExitCodes.FAILED);

		int resumed = run(this.workDir, with(command(table), "--host", otherAddress()));

		assertThat(resumed).isEqualTo(ExitCodes.OK);
		assertMigratedExactly(table, before);
		assertThat(JobRepositoryFiles.jobInstanceIds(this.workDir)).hasSize(1);
	}

	@Test
	void twoRunsThroughTwoAddressesOfTheSameServerShareOneLock(CapturedOutput output) throws Exception {
		String table = "two_addresses";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		Path childLog = this.workDir.resolve("child.log");
		// sleeps 30 s after the first partition, holding the lock
		Process child = new Migrator(ClickHouseStack.get(), this.workDir)
			.separateJvm(childLog, with(command(table), "--insert-interval", "30"))
			.start();
		try {
			ChildLogs.await(child, childLog, "partition 0 [1/4]");

			int second = run(this.workDir, with(command(table), "--host", otherAddress()));

			assertThat(second).isEqualTo(ExitCodes.LOCKED);
			assertThat(output).contains("table it_identity.two_addresses is locked by pid " + child.pid());
		}
		finally {
			child.destroyForcibly();
			assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}
		assertThat(run(this.workDir, command(table))).isEqualTo(ExitCodes.OK);
		assertMigratedExactly(table, before);
	}

	/**
	 * A run that lasts longer than {@code lock.timeout} renews its lock (the heartbeat): a second run
	 * of the same command started meanwhile finds it live and exits 3, and the first completes.
	 */
	@Test
	void aRunLongerThanTheLockTimeoutKeepsItsLock(CapturedOutput output) throws Exception {
		String table = "long_run";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		String[] command = with(command(table), "--lock.timeout=3s", "--lock.heartbeat=1s");
		Path childLog = this.workDir.resolve("long.log");
		Process child = new Migrator(ClickHouseStack.get(), this.workDir)
			.separateJvm(childLog, with(command, "--insert-interval", "3", "--batch-partitions", "1"))
			.start();
		try {
			ChildLogs.await(child, childLog, "partition 0 [1/4]");
			Thread.sleep(4_000);

			int second = run(this.workDir, command);

			assertThat(second).as("the live run's lock is older than lock.timeout, not stale").isEqualTo(ExitCodes.LOCKED);
			assertThat(output).contains("table it_identity.long_run is locked by pid " + child.pid());
			assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			assertThat(child.exitValue()).as("the first run completes").isZero();
		}
		finally {
			child.destroyForcibly();
		}
		assertMigratedExactly(table, before);
	}

	@Test
	void aUserTableNamedLikeTheWorkTableIsRefusedAndNeverTouched(CapturedOutput output) {
		String table = "user_work";
		createTable(table);
		// an operator's own copy, same definition, same rows
		db.execute("CREATE TABLE {db}." + table + "__migrating AS {db}." + table,
				"INSERT INTO {db}." + table + "__migrating SELECT * FROM {db}." + table);
		TableFingerprint source = TableFingerprint.of(db, table);
		TableFingerprint copy = TableFingerprint.of(db, table + "__migrating");

		int exit = run(this.workDir, command(table));

		assertThat(exit).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("__migrating exists, and job instance 1 did not create it");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(source);
		assertThat(TableFingerprint.of(db, table + "__migrating")).isEqualTo(copy);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("default");
	}

	@Test
	void aUserTableNamedLikeTheStagingTableIsRefusedAndNeverTouched(CapturedOutput output) {
		String table = "user_late";
		createTable(table);
		db.execute("CREATE TABLE {db}." + table + "__late AS {db}." + table,
				"INSERT INTO {db}." + table + "__late SELECT * FROM {db}." + table + " WHERE p = 1");
		TableFingerprint staging = TableFingerprint.of(db, table + "__late");

		int exit = run(this.workDir, command(table));

		assertThat(exit).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("__late exists, and job instance 1 did not create it");
		assertThat(TableFingerprint.of(db, table + "__late")).isEqualTo(staging);
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table, table + "__late");
	}

	private static int run(Path workDir, String... args) {
		return new Migrator(ClickHouseStack.get(), workDir).run(args);
	}

	/** The stack's server under another address: {@code localhost} for {@code 127.0.0.1}, and back. */
	private static String otherAddress() {
		return ClickHouseStack.get().host().equals("127.0.0.1") ? "localhost" : "127.0.0.1";
	}

	private static String[] command(String table) {
		return new String[] { "--db", db.name(), "--table", table };
	}

	private static String[] with(String[] command, String... more) {
		return Stream.concat(Stream.of(command), Stream.of(more)).toArray(String[]::new);
	}

	/** Four partitions of two parts each, 2000 distinct rows. */
	private static void createTable(String table) {
		db.createPartitionedTable(table, 4, 2_000, "");
	}

	private static void assertMigratedExactly(String table, TableFingerprint before) {
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);
	}

}
