package io.github.chmigrator.job;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ChildLogs;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.JobRepositoryFiles.Execution;
import io.github.chmigrator.support.JobRepositoryFiles;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The migrator killed like {@code kill -9} (in a separate JVM): the JobRepository keeps the
 * execution {@code STARTED} and the lock file stays, and the next run of the same command in
 * this JVM takes the stale lock, marks the execution FAILED, and completes the migration exactly.
 * While a live run holds the lock, a second run exits {@link ExitCodes#LOCKED} and changes nothing.
 */
@ExtendWith(OutputCaptureExtension.class)
class KillAndRestartIntegrationTests {

	private static TestDatabase db;

	@TempDir
	Path workDir;

	private final List<Process> children = new ArrayList<>();

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_kill");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@AfterEach
	void killChildren() throws InterruptedException {
		for (Process child : this.children) {
			if (child.isAlive()) {
				child.destroyForcibly();
				child.waitFor(20, TimeUnit.SECONDS);
			}
		}
	}

	/** With {@code --batch-partitions 1} partition by partition; with 100, the 4 partitions are one batch. */
	@ParameterizedTest(name = "{0}, rerun by instance id: {1}, batch of {2}")
	@CsvSource({ "copy.afterCopy@2, false, 1", "copy.afterCopy@2, true, 1", "copy.afterCopy@2, false, 100",
			"copy.afterDropPart@2, true, 100", "swap.afterExchange, false, 100", "swap.afterExchange, true, 100" })
	void runKilledAtAnyPointIsRecoveredByTheNextRunWhichCompletesExactly(String haltAt, boolean byInstanceId,
			int batchPartitions, CapturedOutput output) throws Exception {
		String table = "killed_" + haltAt.replaceAll("[^A-Za-z0-9]", "_") + (byInstanceId ? "_by_id" : "") + "_"
				+ batchPartitions;
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		String[] command = with(command(table), "--batch-partitions", Integer.toString(batchPartitions));
		if (haltAt.startsWith("copy.afterDropPart")) {
			// the drop of copied source parts happens only in the design's original loop
			command = with(command, "--free-local-per-partition");
		}
		Path childLog = this.workDir.resolve("child.log");

		Process child = start(childLog, with(command, "--migrator.halt-at=" + haltAt));

		assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("the child ended").isTrue();
		assertThat(child.exitValue()).as("exit code of the killed run; its log:%n%s", ChildLogs.read(childLog)).isEqualTo(137);
		assertThat(ChildLogs.read(childLog)).contains("Halting the JVM at failure point " + haltAt.replaceFirst("@.*", ""));
		List<Execution> killed = JobRepositoryFiles.jobExecutions(this.workDir);
		assertThat(killed).extracting(Execution::status).containsExactly("STARTED");
		assertKilledRunRecordedWhatItDid(table, haltAt, batchPartitions > 1, killed.get(0).id());
		assertThat(lockFiles()).as("the killed run's lock file").hasSize(1);
		assertThat(TableFingerprint.distinctRowsOf(db, table, table + "__migrating")).as("no row lost or invented")
			.isEqualTo(before.checksum());

		List<Long> instances = JobRepositoryFiles.jobInstanceIds(this.workDir);
		int rerun = new Migrator(ClickHouseStack.get(), this.workDir)
			.run(byInstanceId ? new String[] { "--restart", Long.toString(instances.get(0)) } : command);

		assertThat(rerun).isEqualTo(ExitCodes.OK);
		assertThat(output).contains("removing stale lock")
			.contains("process " + child.pid() + " is no longer running")
			.containsPattern("job execution \\d+ was left STARTED by a run that is gone; marking it FAILED");
		List<Execution> executions = JobRepositoryFiles.jobExecutions(this.workDir);
		assertThat(executions).extracting(Execution::status).containsExactly("FAILED", "COMPLETED");
		assertThat(lockFiles()).as("lock files after the rerun").isEmpty();
		assertMigratedExactly(table, before);
	}

	@Test
	void secondRunWhileALiveRunHoldsTheLockExitsLockedNamingTheOwnerAndChangesNothing(CapturedOutput output)
			throws Exception {
		String table = "locked";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		String[] command = command(table);
		Path childLog = this.workDir.resolve("child.log");
		// sleeps 30 s after the first batch: the lock is held, and nothing moves meanwhile
		Process child = start(childLog, with(command, "--insert-interval", "30"));
		ChildLogs.await(child, childLog, "partition 0 [1/4]");
		Snapshot held = snapshot(table);

		int second = new Migrator(ClickHouseStack.get(), this.workDir).run(command);

		assertThat(second).isEqualTo(ExitCodes.LOCKED);
		assertThat(output).contains("table it_kill.locked is locked by pid " + child.pid());
		assertThat(child.isAlive()).as("the first run is still running").isTrue();
		assertThat(snapshot(table)).as("ClickHouse, JobRepository and lock after the refused run").isEqualTo(held);

		child.destroyForcibly();
		assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		int afterKill = new Migrator(ClickHouseStack.get(), this.workDir).run(command);

		assertThat(afterKill).isEqualTo(ExitCodes.OK);
		assertMigratedExactly(table, before);
	}

	/**
	 * What the killed run did in ClickHouse is in the JobRepository: a partition whose rows are
	 * gone from the source was recorded COMPLETED, and an exchange happened only after every
	 * worker and the validation were recorded COMPLETED. (A JobRepository that forgets the last
	 * commits makes the rerun copy again from a source that no longer holds the rows.)
	 */
	/**
	 * SIGTERM (a scheduler's timeout, an operator's Ctrl-C) stops the job at the next safe point: the
	 * execution ends STOPPED rather than STARTED, the lock is released, nothing is lost, and the same
	 * command completes the table.
	 */
	@Test
	void sigtermStopsTheRunAtASafePointReleasingItsLockAndTheSameCommandCompletes(CapturedOutput output)
			throws Exception {
		String table = "terminated";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		Path childLog = this.workDir.resolve("child.log");
		// a partition at a time, so the stop comes before some of them started
		Process child = start(childLog, with(command(table), "--insert-interval", "2", "--batch-partitions", "1"));
		ChildLogs.await(child, childLog, "ProgressTracker");

		child.destroy();

		assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("the child ended").isTrue();
		assertThat(child.exitValue()).as("exit code after a stop: rerun to resume").isEqualTo(ExitCodes.STOPPED);
		assertThat(ChildLogs.read(childLog)).contains("SIGTERM received: stopping 1 running migration(s)")
			.contains("stopped on request")
			.contains("released lock");
		assertThat(JobRepositoryFiles.jobExecutions(this.workDir)).extracting(Execution::status).containsExactly("STOPPED");
		assertThat(lockFiles()).as("lock files after SIGTERM").isEmpty();
		List<Execution> stoppedSteps = JobRepositoryFiles.stepExecutions(this.workDir,
				JobRepositoryFiles.jobExecutions(this.workDir).get(0).id());
		assertThat(stoppedSteps).filteredOn((step) -> step.name().equals("copyPartitions"))
			.extracting(Execution::status)
			.as("the partitioned step stopped, not completed with partitions left")
			.containsExactly("STOPPED");
		assertThat(stoppedSteps).filteredOn((step) -> step.name().startsWith("copyPartition:"))
			.as("no worker made for a partition not started: the restart makes it from the plan")
			.hasSizeBetween(1, 3);
		assertThat(TableFingerprint.distinctRowsOf(db, table, table + "__migrating")).as("no row lost or invented")
			.isEqualTo(before.checksum());

		assertThat(new Migrator(ClickHouseStack.get(), this.workDir).run(command(table))).isEqualTo(ExitCodes.OK);
		assertThat(JobRepositoryFiles.jobExecutions(this.workDir)).extracting(Execution::status)
			.containsExactly("STOPPED", "COMPLETED");
		assertMigratedExactly(table, before);
	}

	private void assertKilledRunRecordedWhatItDid(String table, String haltAt, boolean batch, long jobExecutionId)
			throws Exception {
		List<Execution> steps = JobRepositoryFiles.stepExecutions(this.workDir, jobExecutionId);
		List<String> completed = steps.stream().filter((step) -> step.status().equals("COMPLETED")).map(Execution::name).toList();
		if (haltAt.startsWith("copy.afterCopy") && batch) {
			// the batch copied every partition before recording any: the source is whole
			assertThat(db.count(table)).as("rows left in the source").isEqualTo(2000);
			assertThat(completed).as("steps recorded COMPLETED by the killed run").noneMatch((name) -> name.startsWith("copyPartition:"));
		}
		else if (haltAt.startsWith("copy.afterDropPart") && batch) {
			// every copy was recorded before the batch dropped the copied parts at once
			assertThat(db.count(table)).as("rows left in the source").isZero();
			assertThat(completed).as("steps recorded COMPLETED by the killed run").noneMatch((name) -> name.startsWith("copyPartition:"));
		}
		else if (haltAt.startsWith("copy.")) {
			assertThat(db.count(table)).as("rows left in the source: kept whole").isEqualTo(2000);
			assertThat(completed).as("steps recorded COMPLETED by the killed run (all: %s)", steps)
				.contains("copyPartition:p0", "copyPartition:p1");
		}
		else {
			assertThat(TableFingerprint.policy(db, table)).as("the exchange happened").isEqualTo("s3");
			assertThat(completed).as("steps recorded COMPLETED by the killed run (all: %s)", steps)
				.contains("copyPartition:p0", "copyPartition:p1", "copyPartition:p2", "copyPartition:p3", "copyPartitions",
						"validateTable");
		}
	}

	private Process start(Path log, String... args) throws IOException {
		Process child = new Migrator(ClickHouseStack.get(), this.workDir).separateJvm(log, args).start();
		this.children.add(child);
		return child;
	}

	private List<Path> lockFiles() throws IOException {
		Path locks = this.workDir.resolve("data").resolve("locks");
		if (!Files.isDirectory(locks)) {
			return List.of();
		}
		try (Stream<Path> files = Files.list(locks)) {
			return files.filter((file) -> file.getFileName().toString().endsWith(".lock")).toList();
		}
	}

	/** What a refused run must not change: tables, parts, rows, job records, lock files. */
	private Snapshot snapshot(String table) throws Exception {
		List<String> parts = db.client()
			.query("SELECT table, name, rows, disk_name FROM system.parts WHERE database = " + Sql.literal(db.name())
					+ " AND active ORDER BY table, name", (row) -> String.join(" ", row.getString(1), row.getString(2),
							row.getString(3), row.getString(4)));
		List<String> lockContents = new ArrayList<>();
		for (Path lock : lockFiles()) {
			lockContents.add(lock.getFileName() + ": " + Files.readString(lock, StandardCharsets.UTF_8));
		}
		return new Snapshot(db.tables(), parts, TableFingerprint.distinctRowsOf(db, table, table + "__migrating").toString(),
				JobRepositoryFiles.rows(this.workDir, "SELECT JOB_EXECUTION_ID, STATUS, VERSION FROM BATCH_JOB_EXECUTION ORDER BY 1"),
				JobRepositoryFiles.rows(this.workDir,
						"SELECT STEP_EXECUTION_ID, STEP_NAME, STATUS, VERSION FROM BATCH_STEP_EXECUTION ORDER BY 1"),
				lockContents);
	}

	private record Snapshot(List<String> tables, List<String> parts, String rows, List<List<String>> jobs,
			List<List<String>> steps, List<String> locks) {

	}

	private static String[] command(String table) {
		return new String[] { "--mode", "single", "--db", db.name(), "--table", table, "--s3-policy", "s3" };
	}

	private static String[] with(String[] command, String... more) {
		return Stream.concat(Stream.of(command), Stream.of(more)).toArray(String[]::new);
	}

	/** Four partitions of two parts each, 2000 distinct rows. */
	private static void createTable(String table) {
		String qualified = Sql.qualified(db.name(), table);
		db.execute("CREATE TABLE " + qualified + " (p UInt8, id UInt64, s String) ENGINE = MergeTree PARTITION BY p ORDER BY id",
				"SYSTEM STOP MERGES " + qualified,
				"INSERT INTO " + qualified + " SELECT number % 4, number, toString(number) FROM numbers(1000)",
				"INSERT INTO " + qualified + " SELECT number % 4, number, toString(number) FROM numbers(1000, 1000)");
	}

	private static void assertMigratedExactly(String table, TableFingerprint before) {
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("s3");
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);
		assertThat(db.mergesStopped(table)).as("merges stopped on the migrated table " + table).isFalse();
	}

}
