package io.github.chmigrator.move;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ChildLogs;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.JobRepositoryFiles;
import io.github.chmigrator.support.JobRepositoryFiles.Execution;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.Reports;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The in-place migration ({@code --strategy move}, chosen by {@code auto} for a compatible policy)
 * on the real engine: the test stack's policy {@code s3_first} has the {@code s3} volume first and
 * the {@code default} volume (the local disk, policy {@code default}'s only volume) second.
 */
@ExtendWith(OutputCaptureExtension.class)
class MoveIntegrationTests {

	private static final String POLICY = "s3_first";

	private static TestDatabase db;

	@TempDir
	Path workDir;

	private final List<Process> children = new ArrayList<>();

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_move");
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

	@Test
	void autoMigratesToACompatiblePolicyInPlaceKeepingTheTableItsPartsAndItsRows() throws Exception {
		String table = "in_place";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		String uuid = uuid(table);
		List<String> partsBefore = parts(table);

		int exit = migrator().runTable(db, table, "--s3-policy", POLICY);

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo(POLICY);
		assertThat(uuid(table)).as("the same table").isEqualTo(uuid);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(parts(table)).as("the same parts, by name").isEqualTo(partsBefore);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(tablesEverNamedLike(table + "__")).as("no work or staging table was ever created").isZero();
		long first = JobRepositoryFiles.jobExecutions(this.workDir).get(0).id();
		assertThat(JobRepositoryFiles.stepExecutions(this.workDir, first)).extracting(Execution::name)
			.contains("checkPolicy", "setPolicy", "planMoves", "movePartitions", "validateMoves", "movePartition:p0",
					"movePartition:p3")
			.doesNotContain("cloneSchema", "copyPartitions", "swapTables");
		assertThat(JobRepositoryFiles.rows(this.workDir, """
				SELECT C.SHORT_CONTEXT FROM BATCH_STEP_EXECUTION SE
				JOIN BATCH_STEP_EXECUTION_CONTEXT C ON C.STEP_EXECUTION_ID = SE.STEP_EXECUTION_ID
				WHERE SE.STEP_NAME LIKE 'movePartition:%' AND SE.STATUS = 'COMPLETED'""")).hasSize(4)
			.allSatisfy((row) -> assertThat(row.get(0)).contains("\"state\":\"DONE\"")
				.contains("\"copiedRows\":[\"java.lang.Long\",500]")
				.contains("\"movedParts\":2"));

		JsonNode report = Reports.lastTableReport(this.workDir, db.name(), table);
		assertThat(report.get("strategies").toString()).isEqualTo("[\"move\"]");
		assertThat(report.get("newInserts").asString()).isEqualTo("volume 's3' (disks [s3]) of policy 's3_first'");
		assertThat(report.get("totals").get("completedPartitions").asInt()).isEqualTo(4);
		String progress = Files.readString(this.workDir.resolve("reports").resolve("migration_progress.json"));
		assertThat(progress).as("the progress file names the table itself as the target")
			.contains("\"targetTable\" : \"in_place\"")
			.contains("\"status\" : \"completed\"")
			.doesNotContain("__migrating");

		assertThat(migrator().runTable(db, table, "--s3-policy", POLICY)).as("a rerun").isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
	}

	@Test
	void strategyMoveWithAPolicyThatCannotReplaceTheTablesExitsTwoNamingWhatItLacksAndChangesNothing(
			CapturedOutput output) {
		String table = "incompatible";
		createTable(table);
		List<String> partsBefore = parts(table);

		int exit = migrator().runTable(db, table, "--s3-policy", "s3", "--strategy", "move");

		assertThat(exit).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("--strategy move: storage policy 's3' cannot replace policy 'default' of it_move.incompatible "
				+ "in place: it lacks volume 'default' (disks [default])");
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("default");
		assertThat(parts(table)).isEqualTo(partsBefore);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("default");
		assertThat(migratorStatements("ALTER", Sql.qualified(db.name(), table))).as("no ALTER sent").isZero();
	}

	@Test
	void aRunKilledRightAfterAMoveIsFinishedExactlyByTheRerun() throws Exception {
		String table = "killed_move";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		List<String> partsBefore = parts(table);
		// partition by partition: the kill comes after one partition's own move
		String[] command = { "--db", db.name(), "--table", table, "--s3-policy", POLICY, "--batch-partitions", "1" };
		Path childLog = this.workDir.resolve("child.log");

		Process child = migrator().separateJvm(childLog, with(command, "--migrator.halt-at=move.afterMove@1")).start();
		this.children.add(child);

		assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("the child ended").isTrue();
		assertThat(child.exitValue()).as("exit code of the killed run; its log:%n%s", ChildLogs.read(childLog)).isEqualTo(137);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo(POLICY);
		assertThat(TableFingerprint.of(db, table)).as("every row readable while half moved").isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("default", "s3");
		// an operator switches to another compatible policy meanwhile: the rerun sets the target again
		db.execute("ALTER TABLE " + Sql.qualified(db.name(), table) + " MODIFY SETTING storage_policy = 'tiered'");

		assertThat(migrator().run(command)).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo(POLICY);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(parts(table)).isEqualTo(partsBefore);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(JobRepositoryFiles.jobExecutions(this.workDir)).extracting(Execution::status)
			.containsExactly("FAILED", "COMPLETED");
	}

	/**
	 * Small partitions move as a group (one ALTER for all of them); a kill after that ALTER, before
	 * the group recorded anything, leaves every row in the table, and the rerun records the moves
	 * (nothing is left off the volume) and ends exact.
	 */
	@Test
	void aRunKilledRightAfterAGroupMoveIsFinishedExactlyByTheRerun() throws Exception {
		String table = "killed_group";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		List<String> partsBefore = parts(table);
		String[] command = { "--db", db.name(), "--table", table, "--s3-policy", POLICY };
		Path childLog = this.workDir.resolve("child.log");

		Process child = migrator().separateJvm(childLog, with(command, "--migrator.halt-at=move.afterBatch")).start();
		this.children.add(child);

		assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("the child ended").isTrue();
		assertThat(child.exitValue()).as("exit code of the killed run; its log:%n%s", ChildLogs.read(childLog)).isEqualTo(137);
		assertThat(TableFingerprint.of(db, table)).as("every row readable").isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).as("the group's one ALTER moved every partition").containsExactly("s3");
		assertThat(JobRepositoryFiles.rows(this.workDir, """
				SELECT SE.STEP_NAME FROM BATCH_STEP_EXECUTION SE
				WHERE SE.STEP_NAME LIKE 'movePartition:%' AND SE.STATUS = 'COMPLETED'""")).as("nothing recorded").isEmpty();

		assertThat(migrator().run(command)).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(parts(table)).isEqualTo(partsBefore);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(JobRepositoryFiles.rows(this.workDir, """
				SELECT C.SHORT_CONTEXT FROM BATCH_STEP_EXECUTION SE
				JOIN BATCH_STEP_EXECUTION_CONTEXT C ON C.STEP_EXECUTION_ID = SE.STEP_EXECUTION_ID
				WHERE SE.STEP_NAME LIKE 'movePartition:%' AND SE.STATUS = 'COMPLETED'""")).hasSize(4)
			.allSatisfy((row) -> assertThat(row.get(0)).contains("\"state\":\"DONE\"")
				.contains("\"copiedRows\":[\"java.lang.Long\",500]"));
	}

	@Test
	void insertsAMutationAndAnAddedColumnDuringTheMoveAreAllKeptAndEndOnS3() throws Exception {
		String table = "busy";
		createTable(table);
		String qualified = Sql.qualified(db.name(), table);
		Path childLog = this.workDir.resolve("child.log");
		Process child = migrator().separateJvm(childLog, "--db", db.name(), "--table", table, "--s3-policy", POLICY,
				"--insert-interval", "2").start();
		this.children.add(child);
		ChildLogs.await(child, childLog, "partition 0 [1/4]");

		// merges run again: the mutation needs them, and merged parts must move too
		db.execute("SYSTEM START MERGES " + qualified,
				"INSERT INTO " + qualified + " SELECT number % 4, number, toString(number) FROM numbers(2000, 400)",
				"ALTER TABLE " + qualified + " ADD COLUMN extra UInt32 DEFAULT 7",
				"ALTER TABLE " + qualified + " UPDATE s = concat(s, '!') WHERE id % 10 = 0 SETTINGS mutations_sync = 2",
				"INSERT INTO " + qualified + " SELECT number % 4, number, toString(number), 1 FROM numbers(2400, 100)");

		assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("the child ended").isTrue();
		assertThat(child.exitValue()).as("exit code; its log:%n%s", ChildLogs.read(childLog)).isZero();
		assertThat(db.count(table)).isEqualTo(2500);
		assertThat(db.count(table, "s LIKE '%!'")).isEqualTo(240);
		assertThat(db.count(table, "extra = 1")).isEqualTo(100);
		assertThat(db.count(table, "extra = 7")).isEqualTo(2400);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo(POLICY);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
	}

	@Test
	void aLockedPartIsRetriedAndAPartitionLockedThroughEveryRetryStopsWithOneLine(CapturedOutput output) throws Exception {
		String table = "locked";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);

		int stopped = migrator().runTable(db, table, "--s3-policy", POLICY, "--clickhouse.retries=0",
				"--batch-partitions", "1", "--migrator.fail-at=move.locked@2");

		assertThat(stopped).isEqualTo(ExitCodes.FAILED);
		assertThat(output).contains("Table it_move.locked partition 2: a part is locked by a merge or another move")
			.contains("table it_move.locked partition 2: its parts stayed locked by merges or other moves through every "
					+ "retry");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);

		int retried = migrator().runTable(db, table, "--s3-policy", POLICY, "--batch-partitions", "1",
				"--migrator.fail-at=move.locked@2");

		assertThat(retried).as("the rerun: partition 2 locked once again, then moved on retry").isEqualTo(ExitCodes.OK);
		assertThat(output.getOut().split("partition 2: a part is locked by a merge or another move", -1)).hasSize(3);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
	}

	@Test
	void movesStoppedOnTheTableStopThePartitionNamingTheStatementThatStartsThem(CapturedOutput output) throws Exception {
		String table = "moves_stopped";
		createTable(table);
		db.execute("SYSTEM STOP MOVES " + Sql.qualified(db.name(), table));

		int stopped = migrator().runTable(db, table, "--s3-policy", POLICY);

		assertThat(stopped).isEqualTo(ExitCodes.FAILED);
		assertThat(output).contains("the server refuses to move parts").contains("run SYSTEM START MOVES it_move.moves_stopped and rerun");
		assertThat(TableFingerprint.disks(db, table)).containsExactly("default");
		db.execute("SYSTEM START MOVES " + Sql.qualified(db.name(), table));
		assertThat(migrator().runTable(db, table, "--s3-policy", POLICY)).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
	}

	@Test
	void partsLargerThanTheVolumesMaxDataPartSizeAreNamedByTheDryRunAndRefusedBeforeAnyChange(CapturedOutput output) {
		String table = "large_parts";
		createTable(table);
		String qualified = Sql.qualified(db.name(), table);
		db.execute("INSERT INTO " + qualified + " SELECT 0, number, toString(number) FROM numbers(5000, 20000)");
		List<String> partsBefore = parts(table);

		assertThat(migrator().runTable(db, table, "--s3-policy", "s3_small_parts", "--dry-run")).isEqualTo(ExitCodes.OK);
		assertThat(output).contains("1 parts are larger than max_data_part_size of volume 's3' of policy 's3_small_parts'");
		int exit = migrator().runTable(db, table, "--s3-policy", "s3_small_parts");

		assertThat(exit).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("table it_move.large_parts has 1 parts larger than max_data_part_size of volume 's3' "
				+ "of storage policy 's3_small_parts' (0_");
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("default");
		assertThat(parts(table)).isEqualTo(partsBefore);
		assertThat(migratorStatements("ALTER", qualified)).as("no ALTER sent").isZero();
	}

	@Test
	void patchPartsOfLightweightUpdatesMoveWithTheirTable() throws Exception {
		String table = "lightweight";
		String qualified = Sql.qualified(db.name(), table);
		db.execute("CREATE TABLE " + qualified + " (p UInt8, id UInt64, s String) ENGINE = MergeTree PARTITION BY p "
				+ "ORDER BY id SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1",
				"SYSTEM STOP MERGES " + qualified,
				"INSERT INTO " + qualified + " SELECT number % 4, number, toString(number) FROM numbers(1000)",
				"UPDATE " + qualified + " SET s = 'updated' WHERE id % 10 = 0");
		assertThat(parts(table)).as("the update wrote patch parts").anyMatch((name) -> name.startsWith("patch-"));
		TableFingerprint before = TableFingerprint.of(db, table);

		assertThat(migrator().runTable(db, table, "--s3-policy", POLICY)).isEqualTo(ExitCodes.OK);

		assertThat(TableFingerprint.disks(db, table)).as("patch parts included").containsExactly("s3");
		assertThat(db.count(table, "s = 'updated'")).isEqualTo(100);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
	}

	@Test
	void withDirectionToLocalATableMovesBackFromS3InPlaceToACompatiblePolicy() {
		String table = "round_trip";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		String uuid = uuid(table);
		List<String> partsBefore = parts(table);
		assertThat(migrator().runTable(db, table, "--s3-policy", POLICY)).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");

		int back = migrator().runTable(db, table, "--target-policy", "tiered", "--direction", "to-local");

		assertThat(back).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("tiered");
		assertThat(TableFingerprint.disks(db, table)).containsExactly("default");
		assertThat(uuid(table)).isEqualTo(uuid);
		assertThat(parts(table)).isEqualTo(partsBefore);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(tablesEverNamedLike(table + "__")).as("no work or staging table was ever created").isZero();
	}

	@Test
	void aRerunMovesWhatNewInsertsWroteToTheLocalFirstVolumeOfAPolicyAfterACompletedMove(CapturedOutput output)
			throws Exception {
		String table = "tiered_inserts";
		createTable(table);
		assertThat(migrator().runTable(db, table, "--s3-policy", "tiered")).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(Reports.lastTableReport(this.workDir, db.name(), table).get("newInserts").asString())
			.isEqualTo("volume 'default' (disks [default]) of policy 'tiered'");
		String qualified = Sql.qualified(db.name(), table);
		db.execute("INSERT INTO " + qualified + " SELECT number % 4, number, toString(number) FROM numbers(2000, 100)");
		assertThat(TableFingerprint.disks(db, table)).as("tiered writes new parts locally").contains("default");
		TableFingerprint before = TableFingerprint.of(db, table);

		int rerun = migrator().runTable(db, table, "--s3-policy", "tiered");

		assertThat(rerun).isEqualTo(ExitCodes.OK);
		assertThat(output).contains("moving them as generation 2");
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(JobRepositoryFiles.jobExecutions(this.workDir)).extracting(Execution::status)
			.containsExactly("COMPLETED", "COMPLETED");
		assertThat(migrator().runTable(db, table, "--s3-policy", "tiered")).as("nothing left to move").isEqualTo(ExitCodes.OK);
		assertThat(JobRepositoryFiles.jobExecutions(this.workDir)).as("no third instance").hasSize(2);
	}

	@Test
	void withDirectionToLocalATableOnAnS3OnlyPolicyIsCopiedBackWhenNoMoveCanDoIt() {
		String table = "copied_back";
		db.createPartitionedTable(table, 4, 2000, "storage_policy = 's3'");
		TableFingerprint before = TableFingerprint.of(db, table);

		assertThat(migrator().runTable(db, table, "--target-policy", "default")).as("to S3 by default: 'default' has none")
			.isEqualTo(ExitCodes.INVALID);
		int back = migrator().runTable(db, table, "--target-policy", "default", "--direction", "to-local");

		assertThat(back).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("default");
		assertThat(TableFingerprint.disks(db, table)).containsExactly("default");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
	}

	@Test
	void abortingAnInPlaceMigrationPutsNothingBackAndSaysSo(CapturedOutput output) throws Exception {
		String table = "aborted_move";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);

		assertThat(migrator().runTable(db, table, "--s3-policy", POLICY, "--batch-partitions", "1",
				"--migrator.fail-at=move.afterMove@1"))
			.isEqualTo(ExitCodes.FAILED);
		int abort = migrator().runTable(db, table, "--s3-policy", POLICY, "--abort");

		assertThat(abort).isEqualTo(ExitCodes.OK);
		assertThat(output).contains("ABANDONED it_move.aborted_move: job instance 1 was migrating it in place; every row "
				+ "stayed in the table, so nothing was put back. It stays on policy 's3_first'");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(JobRepositoryFiles.jobExecutions(this.workDir)).extracting(Execution::status)
			.containsExactly("ABANDONED");
	}

	private Migrator migrator() {
		return new Migrator(ClickHouseStack.get(), this.workDir);
	}

	/** Four partitions of two parts each, 2000 distinct rows, on policy {@code default}, merges stopped. */
	private static void createTable(String table) {
		String qualified = Sql.qualified(db.name(), table);
		db.execute("CREATE TABLE " + qualified + " (p UInt8, id UInt64, s String) ENGINE = MergeTree PARTITION BY p ORDER BY id",
				"SYSTEM STOP MERGES " + qualified,
				"INSERT INTO " + qualified + " SELECT number % 4, number, toString(number) FROM numbers(1000)",
				"INSERT INTO " + qualified + " SELECT number % 4, number, toString(number) FROM numbers(1000, 1000)");
	}

	private static String uuid(String table) {
		return db.client()
			.queryFirst("SELECT toString(uuid) FROM system.tables WHERE database = " + Sql.literal(db.name()) + " AND name = "
					+ Sql.literal(table), (row) -> row.getString(1))
			.orElseThrow();
	}

	private static List<String> parts(String table) {
		return db.client()
			.query("SELECT name FROM system.parts WHERE database = " + Sql.literal(db.name()) + " AND table = "
					+ Sql.literal(table) + " AND active ORDER BY name", (row) -> row.getString(1));
	}

	/**
	 * Tables of the database whose name starts so, as the server holds them: those that exist and
	 * those dropped (an Atomic database keeps a dropped table in system.dropped_tables until its
	 * files go, 8 minutes by default, longer than a test).
	 */
	private static long tablesEverNamedLike(String prefix) {
		String condition = "database = %s AND startsWith(%%s, %s)".formatted(Sql.literal(db.name()), Sql.literal(prefix));
		return db.client()
			.queryFirst("SELECT (SELECT count() FROM system.tables WHERE " + condition.formatted("name")
					+ ") + (SELECT count() FROM system.dropped_tables WHERE " + condition.formatted("table") + ")",
					(row) -> row.getLong(1))
			.orElseThrow();
	}

	/** The migrator's statements whose text contains both strings. */
	private static long migratorStatements(String text, String also) {
		db.execute("SYSTEM FLUSH LOGS");
		return db.client()
			.queryFirst("""
					SELECT count() FROM system.query_log
					WHERE log_comment = 'clickhouse-migrator' AND position(query, %s) > 0 AND position(query, %s) > 0"""
				.formatted(Sql.literal(text), Sql.literal(also)), (row) -> row.getLong(1))
			.orElseThrow();
	}

	private static String[] with(String[] command, String... more) {
		List<String> all = new ArrayList<>(List.of(command));
		all.addAll(List.of(more));
		return all.toArray(String[]::new);
	}

}
