package io.github.chmigrator.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ChildLogs;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * gh-ost's controls: while {@code --throttle-flag-file} exists, or the load is above
 * {@code --max-load}, nothing is copied; above {@code --critical-load} the run stops resumably;
 * while {@code --postpone-cut-over-flag-file} exists the work table is kept in step and the table
 * is not swapped; removing the file lets the run go on by itself, and it ends exact.
 */
@ExtendWith(OutputCaptureExtension.class)
class OperatorFlagsIntegrationTests {

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_flags");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@Test
	void whileTheThrottleFlagFileExistsNothingIsCopied() throws Exception {
		String table = "throttled";
		db.createPartitionedTable(table, 4, 2_000, "");
		TableFingerprint before = TableFingerprint.of(db, table);
		Path flag = Files.createFile(this.workDir.resolve("throttle.flag"));
		Path log = this.workDir.resolve("child.log");
		Process child = start(log, table, "--throttle-flag-file", flag.toString());
		try {
			ChildLogs.await(child, log, "throttled: flag file " + flag);
			Thread.sleep(3000);

			assertThat(child.isAlive()).as("the run waits").isTrue();
			assertThat(db.count(table + "__migrating")).as("rows copied while throttled").isZero();
			assertThat(TableFingerprint.of(db, table)).isEqualTo(before);

			Files.delete(flag);
			assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}
		finally {
			child.destroyForcibly();
		}
		assertThat(child.exitValue()).as(ChildLogs.read(log)).isEqualTo(ExitCodes.OK);
		assertThat(ChildLogs.read(log)).contains("it_flags.throttled: throttled no more after");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
	}

	@Test
	void whileThePostponeFlagFileExistsTheWorkTableIsKeptInStepAndNothingIsSwapped() throws Exception {
		String table = "postponed";
		db.createPartitionedTable(table, 4, 2_000, "");
		Path flag = Files.createFile(this.workDir.resolve("postpone.flag"));
		Path log = this.workDir.resolve("child.log");
		Process child = start(log, table, "--postpone-cut-over-flag-file", flag.toString());
		try {
			ChildLogs.await(child, log, "cut-over postponed: flag file " + flag);
			// a change to a copied partition while the cut-over waits: carried before it happens
			db.execute("INSERT INTO {db}." + table + " SELECT 1, 100000 + number, 'late' FROM numbers(30)",
					"ALTER TABLE {db}." + table + " DELETE WHERE id % 10 = 3 SETTINGS mutations_sync = 2");
			TableFingerprint expected = TableFingerprint.of(db, table);
			ChildLogs.await(child, log, "copied again");
			Thread.sleep(2000);

			assertThat(child.isAlive()).as("the run waits").isTrue();
			assertThat(TableFingerprint.policy(db, table)).as("not swapped").isEqualTo("default");
			assertThat(TableFingerprint.of(db, table)).as("the live table as the operator left it").isEqualTo(expected);

			Files.delete(flag);
			assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			assertThat(child.exitValue()).as(ChildLogs.read(log)).isEqualTo(ExitCodes.OK);
			assertThat(TableFingerprint.of(db, table)).isEqualTo(expected);
			assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		}
		finally {
			child.destroyForcibly();
		}
	}

	@Test
	void outsideTheCutOverWindowNothingIsSwappedAndInsideItTheRunCutsOver() throws Exception {
		String table = "windowed";
		db.createPartitionedTable(table, 4, 2_000, "");
		TableFingerprint before = TableFingerprint.of(db, table);
		java.time.LocalTime now = java.time.LocalTime.now(java.time.ZoneOffset.UTC);
		String later = window(now.plusHours(2), now.plusHours(3));
		Path log = this.workDir.resolve("child.log");
		Process child = start(log, table, "--cut-over-window", later);
		try {
			ChildLogs.await(child, log, "cut-over outside its window: the cut-over waits for --cut-over-window");
			assertThat(TableFingerprint.policy(db, table)).as("not swapped").isEqualTo("default");

			child.destroy();
			assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}
		finally {
			child.destroyForcibly();
		}
		assertThat(child.exitValue()).as(ChildLogs.read(log)).isEqualTo(ExitCodes.STOPPED);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);

		int inside = new Migrator(ClickHouseStack.get(), this.workDir).runTable(db, table, "--cut-over-window",
				window(now.minusHours(1), now.plusHours(1)));

		assertThat(inside).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
	}

	private static String window(java.time.LocalTime start, java.time.LocalTime end) {
		java.time.format.DateTimeFormatter minutes = java.time.format.DateTimeFormatter.ofPattern("HH:mm");
		return start.format(minutes) + "-" + end.format(minutes);
	}

	@Test
	void aboveMaxLoadNothingIsCopiedAndAStopLeavesTheLiveTableWhole() throws Exception {
		String table = "loaded";
		db.createPartitionedTable(table, 4, 2_000, "");
		TableFingerprint before = TableFingerprint.of(db, table);
		Path log = this.workDir.resolve("child.log");
		// the run's own query counts: Query is at least 1 while it looks
		Process child = start(log, table, "--max-load", "Query=0");
		try {
			ChildLogs.await(child, log, "throttled on --max-load: the server's load is above --max-load (Query=");
			Thread.sleep(3000);
			assertThat(db.count(table + "__migrating")).as("rows copied while throttled").isZero();

			child.destroy();
			assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}
		finally {
			child.destroyForcibly();
		}
		assertThat(child.exitValue()).as(ChildLogs.read(log)).isEqualTo(ExitCodes.STOPPED);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("default");

		assertThat(new Migrator(ClickHouseStack.get(), this.workDir).runTable(db, table)).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
	}

	@Test
	void aboveCriticalLoadTheRunStopsResumably(CapturedOutput output) {
		String table = "critical";
		db.createPartitionedTable(table, 4, 2_000, "");
		TableFingerprint before = TableFingerprint.of(db, table);
		Migrator migrator = new Migrator(ClickHouseStack.get(), this.workDir);

		int stopped = migrator.runTable(db, table, "--critical-load", "Query=0");

		assertThat(stopped).isEqualTo(ExitCodes.STOPPED);
		assertThat(output).contains("it_flags.critical: stopped on --critical-load (Query=");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("default");
		assertThat(migrator.runTable(db, table)).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
	}

	@Test
	void aMetricTheServerDoesNotReportIsRefusedBeforeAnythingChanges(CapturedOutput output) {
		String table = "unknown_metric";
		db.createPartitionedTable(table, 4, 2_000, "");

		int refused = new Migrator(ClickHouseStack.get(), this.workDir).runTable(db, table, "--max-load", "NoSuchMetric=1");

		assertThat(refused).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("[NoSuchMetric], which this server does not report");
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);
	}

	private Process start(Path log, String table, String... more) throws Exception {
		String[] args = java.util.stream.Stream
			.concat(java.util.stream.Stream.of("--db", db.name(), "--table", table), java.util.stream.Stream.of(more))
			.toArray(String[]::new);
		return new Migrator(ClickHouseStack.get(), this.workDir).separateJvm(log, args).start();
	}

}
