package io.github.chmigrator.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ChildLogs;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.JobRepositoryFiles;
import io.github.chmigrator.support.JobRepositoryFiles.Execution;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's hands on a running migration: {@code --stop} from another process ends it
 * STOPPED (exit 5) and {@code --restart} ends exact; {@code --status --json} reads its live status;
 * hooks get the run's variables (never its secrets) and a failing {@code on-before-cut-over} leaves
 * the live table whole; {@code --max-parts-in-partition} pauses the copy and
 * {@code --min-free-local-bytes} stops it resumably.
 */
@ExtendWith(OutputCaptureExtension.class)
class OperatorControlIntegrationTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_control");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@Test
	void stopFromAnotherProcessEndsTheRunStoppedAndRestartResumesItExactly(CapturedOutput output) throws Exception {
		String table = "stopped";
		db.createPartitionedTable(table, 4, 2_000, "");
		TableFingerprint before = TableFingerprint.of(db, table);
		Path flag = Files.createFile(this.workDir.resolve("throttle.flag"));
		Path hooks = Files.createDirectories(this.workDir.resolve("hooks"));
		hook(hooks, "on-status", "env | grep '^CH_MIGRATOR_' > \"$PWD/status.env\"");
		Path log = this.workDir.resolve("child.log");
		Migrator migrator = new Migrator(ClickHouseStack.get(), this.workDir);
		Process child = migrator.separateJvm(log, "--db", db.name(), "--table", table, "--throttle-flag-file",
				flag.toString(), "--hooks-path", hooks.toString(), "--hooks-status-interval", "1").start();
		try {
			ChildLogs.await(child, log, "throttled: flag file " + flag);
			long instance = JobRepositoryFiles.jobInstanceIds(this.workDir).get(0);
			awaitFile(hooks.resolve("status.env"));
			assertThat(Files.readString(hooks.resolve("status.env"))).contains("CH_MIGRATOR_TABLE_NAME=" + table)
				.contains("CH_MIGRATOR_THROTTLED=flag file " + flag)
				.contains("CH_MIGRATOR_JOB_INSTANCE_ID=" + instance);

			assertThat(migrator.run("--status", "--json")).isEqualTo(ExitCodes.OK);
			JsonNode status = JSON.readTree(output.getOut()
				.lines()
				.filter((line) -> line.startsWith("{\"jobInstance\""))
				.reduce((first, second) -> second)
				.orElseThrow());
			assertThat(status.get("jobInstance").asLong()).isEqualTo(instance);
			assertThat(status.get("table").asString()).isEqualTo(db.name() + "." + table);
			assertThat(status.get("status").asString()).isEqualTo("STARTED");
			assertThat(status.get("partitionsTotal").asInt()).isEqualTo(4);
			assertThat(status.get("throttled").asString()).contains("flag file " + flag);

			assertThat(migrator.run("--stop", Long.toString(instance))).isEqualTo(ExitCodes.OK);

			assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			assertThat(child.exitValue()).as(ChildLogs.read(log)).isEqualTo(ExitCodes.STOPPED);
			assertThat(output).contains("stop requested for execution").contains("ended STOPPED");
			assertThat(JobRepositoryFiles.jobExecutions(this.workDir)).extracting(Execution::status)
				.containsExactly("STOPPED");
			assertThat(TableFingerprint.of(db, table)).as("the live table whole").isEqualTo(before);
			assertThat(TableFingerprint.policy(db, table)).isEqualTo("default");
			assertThat(db.mergesStopped(table)).as("merges on the live table after the stop").isFalse();
			JsonNode ended = JSON.readTree(Files.readString(this.workDir.resolve("reports/status-" + instance + ".json")));
			assertThat(ended.get("status").asString()).isEqualTo("STOPPED");
			assertThat(ended.get("exitCode").asInt()).isEqualTo(ExitCodes.STOPPED);

			Files.delete(flag);
			assertThat(migrator.run("--restart", Long.toString(instance))).isEqualTo(ExitCodes.OK);
		}
		finally {
			child.destroyForcibly();
		}
		assertThat(JobRepositoryFiles.jobExecutions(this.workDir)).extracting(Execution::status)
			.containsExactly("STOPPED", "COMPLETED");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(migrator.run("--stop", "999")).as("an unknown job instance").isEqualTo(ExitCodes.INVALID);
	}

	@Test
	void hooksGetTheRunsVariablesAndAFailingBeforeCutOverHookLeavesTheLiveTableWhole() throws Exception {
		String table = "hooked";
		db.createPartitionedTable(table, 4, 2_000, "");
		TableFingerprint before = TableFingerprint.of(db, table);
		Path hooks = Files.createDirectories(this.workDir.resolve("hooks"));
		hook(hooks, "on-startup", "echo 'change freeze'; exit 1");
		Migrator migrator = new Migrator(ClickHouseStack.get(), this.workDir);

		int refused = migrator.run("--db", db.name(), "--table", table, "--hooks-path", hooks.toString());

		assertThat(refused).as("a failing on-startup").isEqualTo(ExitCodes.STOPPED);
		assertThat(db.tables()).as("nothing made before the first step").filteredOn((name) -> name.startsWith(table))
			.containsExactly(table);

		hook(hooks, "on-startup", "env > \"$PWD/startup.env\"");
		hook(hooks, "on-validated", "touch \"$PWD/validated\"");
		hook(hooks, "on-before-cut-over", "echo 'not tonight'; exit 3");
		hook(hooks, "on-failure", "env | grep '^CH_MIGRATOR_' > \"$PWD/failure.env\"");
		hook(hooks, "on-success", "env | grep '^CH_MIGRATOR_' > \"$PWD/success.env\"");
		Path log = this.workDir.resolve("child.log");

		Process child = migrator.separateJvm(log, "--db", db.name(), "--table", table, "--hooks-path", hooks.toString())
			.start();
		assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();

		String childLog = ChildLogs.read(log);
		assertThat(child.exitValue()).as(childLog).isEqualTo(ExitCodes.STOPPED);
		assertThat(childLog).contains("hook on-before-cut-over: not tonight")
			.contains("hook on-before-cut-over exited 3; nothing was swapped and the live table is whole");
		assertThat(TableFingerprint.of(db, table)).as("the live table whole").isEqualTo(before);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("default");
		assertThat(db.mergesStopped(table)).as("merges on the live table after the refusal").isFalse();
		String startup = Files.readString(hooks.resolve("startup.env"));
		assertThat(startup).contains("CH_MIGRATOR_DATABASE_NAME=" + db.name())
			.contains("CH_MIGRATOR_TABLE_NAME=" + table)
			.contains("CH_MIGRATOR_HOOK=on-startup")
			.contains("CH_MIGRATOR_TARGET_POLICY=s3")
			.contains("CH_MIGRATOR_JOB_INSTANCE_ID=")
			.doesNotContain("PASSWORD")
			.doesNotContain(ClickHouseStack.get().password());
		assertThat(hooks.resolve("validated")).exists();
		assertThat(Files.readString(hooks.resolve("failure.env"))).contains("CH_MIGRATOR_EXIT_CODE=5")
			.contains("CH_MIGRATOR_COPIED_PARTITIONS=4")
			.contains("CH_MIGRATOR_PHASE=swapTables");

		hook(hooks, "on-before-cut-over", "exit 0");
		assertThat(migrator.run("--db", db.name(), "--table", table, "--hooks-path", hooks.toString()))
			.isEqualTo(ExitCodes.OK);

		assertThat(Files.readString(hooks.resolve("success.env"))).contains("CH_MIGRATOR_EXIT_CODE=0")
			.contains("CH_MIGRATOR_STATUS=COMPLETED");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
	}

	@Test
	void aPartitionWithTooManyPartsPausesTheCopyUntilMergesBringItDown() throws Exception {
		String table = "many_parts";
		db.createPartitionedTable(table, 4, 2_000, "");
		String qualified = db.name() + "." + table;
		db.execute("SYSTEM STOP MERGES " + qualified);
		for (int i = 0; i < 4; i++) {
			db.execute("INSERT INTO " + qualified + " SELECT 0, 100000 + " + i + " * 100 + number, 'more' FROM numbers(10)");
		}
		TableFingerprint before = TableFingerprint.of(db, table);
		Path log = this.workDir.resolve("child.log");
		Process child = new Migrator(ClickHouseStack.get(), this.workDir)
			.separateJvm(log, "--db", db.name(), "--table", table, "--max-parts-in-partition", "3")
			.start();
		try {
			ChildLogs.await(child, log, "throttled on --max-parts-in-partition: partition " + table + "/0 (");
			Thread.sleep(2000);
			assertThat(child.isAlive()).as("the run waits").isTrue();
			assertThat(db.count(table + "__migrating")).as("rows copied while paused").isZero();

			db.execute("SYSTEM START MERGES " + qualified, "OPTIMIZE TABLE " + qualified + " FINAL");

			assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}
		finally {
			child.destroyForcibly();
		}
		assertThat(child.exitValue()).as(ChildLogs.read(log)).isEqualTo(ExitCodes.OK);
		assertThat(ChildLogs.read(log)).contains("throttled on --max-parts-in-partition no more after");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
	}

	@Test
	void aLocalDiskWithLessFreeSpaceThanTheMinimumStopsTheRunResumably(CapturedOutput output) {
		String table = "no_room";
		db.createPartitionedTable(table, 4, 2_000, "");
		TableFingerprint before = TableFingerprint.of(db, table);
		Migrator migrator = new Migrator(ClickHouseStack.get(), this.workDir);

		int stopped = migrator.runTable(db, table, "--min-free-local-bytes", "999999999999999999");

		assertThat(stopped).isEqualTo(ExitCodes.STOPPED);
		assertThat(output).contains(db.name() + "." + table + ": stopped on --min-free-local-bytes (disk default has ");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("default");
		// a table that is not Replicated has no replica delay: the check lets it go
		assertThat(migrator.runTable(db, table, "--min-free-local-bytes", "1", "--max-replica-delay", "5"))
			.isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
	}

	private static void hook(Path directory, String name, String body) throws Exception {
		Path file = directory.resolve(name);
		Files.writeString(file, "#!/bin/sh\n" + body + "\n");
		Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
	}

	private static void awaitFile(Path file) throws InterruptedException {
		for (int i = 0; i < 300 && !Files.exists(file); i++) {
			Thread.sleep(100);
		}
		assertThat(file).exists();
	}

}
