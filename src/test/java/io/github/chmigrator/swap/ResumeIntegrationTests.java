package io.github.chmigrator.swap;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.chmigrator.clickhouse.Checksum;
import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.JobRepositoryFiles.Execution;
import io.github.chmigrator.support.JobRepositoryFiles;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run that fails at any point of the migration leaves every row accounted for (in the source or
 * the work table, nothing invented), and the same command run again completes the migration
 * exactly: same rows and definition, every part on S3, no table left behind (but
 * {@code <table>_origin} with {@code --keep-source}), merges running on the migrated table.
 */
@ExtendWith(OutputCaptureExtension.class)
class ResumeIntegrationTests {

	private static final String DEFINITION = "(p UInt8, id UInt64, s String) ENGINE = MergeTree PARTITION BY p ORDER BY id";

	/** The catch-up's failure point right after a staged partition moved into the work or live table. */
	static final String CATCH_UP_POINTS = "swap.afterCatchUpMove";

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_resume");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	static Stream<Arguments> failurePoints() {
		return Stream.of(Arguments.of("copy.afterCopy", false), Arguments.of("copy.afterCopy@2", false),
				Arguments.of("copy.afterDropPart", false), Arguments.of("copy.afterDropPart@2", false),
				Arguments.of("swap.beforeExchange", false), Arguments.of("swap.afterExchange", false),
				Arguments.of("copy.afterCopy@2", true), Arguments.of("swap.beforeExchange", true),
				Arguments.of("swap.afterExchange", true));
	}

	@ParameterizedTest(name = "{0}, keep source {1}")
	@MethodSource("failurePoints")
	void failedRunLosesNoRowAndTheSameCommandThenCompletesExactly(String failAt, boolean keepSource) throws Exception {
		String table = tableName(failAt, keepSource);
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		List<String> command = command(table, keepSource, "--verify", "checksum");
		if (failAt.startsWith("copy.afterDropPart")) {
			// the drop of copied source parts happens only in the design's original loop
			command.add("--free-local-per-partition");
		}

		int first = migrator().run(with(command, "--migrator.fail-at=" + failAt));

		assertThat(first).isEqualTo(ExitCodes.FAILED);
		assertRowsAccountedFor(table, before.checksum());
		if (failAt.startsWith("copy.") || failAt.equals("swap.beforeExchange")) {
			assertThat(TableFingerprint.policy(db, table)).as("the source keeps its name").isEqualTo("default");
		}
		if (keepSource) {
			String old = failAt.equals("swap.afterExchange") ? table + "__migrating" : table;
			assertThat(TableFingerprint.of(db, old).checksum()).as("--keep-source keeps every source row").isEqualTo(before.checksum());
		}

		int second = migrator().run(command.toArray(String[]::new));

		assertThat(second).isEqualTo(ExitCodes.OK);
		assertMigratedExactly(table, before, keepSource);
		if (failAt.contains("@")) {
			assertCompletedPartitionsWereNotCopiedAgain(2);
		}
	}

	@ParameterizedTest(name = "keep source {0}")
	@ValueSource(booleans = { false, true })
	void failureAfterMovingLateRowsBeforeTheSwapIsResumedExactly(boolean keepSource) throws Exception {
		String table = "late_rows_before_swap" + (keepSource ? "_keep" : "");
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		List<String> command = command(table, keepSource);
		assertThat(migrator().run(with(command, "--migrator.fail-at=swap.beforeExchange"))).isEqualTo(ExitCodes.FAILED);
		// rows inserted after their partition was copied: into a copied partition and into a new one
		insertLateRows(table);
		Checksum expected = TableFingerprint.distinctRowsOf(db, table, table + "__migrating");
		assertThat(expected.rows()).isEqualTo(before.checksum().rows() + 15);

		int second = migrator().run(with(command, "--migrator.fail-at=" + CATCH_UP_POINTS));

		assertThat(second).isEqualTo(ExitCodes.FAILED);
		assertRowsAccountedFor(table, expected);

		int third = migrator().run(command.toArray(String[]::new));

		assertThat(third).isEqualTo(ExitCodes.OK);
		// with --keep-source the original table keeps the late rows too: they were copied, not moved
		assertMigratedExactly(table, new TableFingerprint(expected, before.definition()), keepSource);
	}

	/**
	 * A run that failed in the middle of moving late rows into the already live table (rows that
	 * reached the old table in the last moments before the exchange) leaves them accounted for, and
	 * the rerun completes exactly: the staged partition moved atomically, and the rerun drops the
	 * moved parts from the old table.
	 */
	@ParameterizedTest(name = "keep source {0}")
	@ValueSource(booleans = { false, true })
	void failureWhileMovingLateRowsIntoTheLiveTableEndsExactAfterRerun(boolean keepSource) throws Exception {
		String table = "late_rows_after_swap" + (keepSource ? "_keep" : "");
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		List<String> command = command(table, keepSource);
		assertThat(migrator().run(with(command, "--migrator.fail-at=swap.afterExchange"))).isEqualTo(ExitCodes.FAILED);
		insertLateRows(table + "__migrating");
		Checksum expected = TableFingerprint.distinctRowsOf(db, table, table + "__migrating");
		assertThat(expected.rows()).isEqualTo(before.checksum().rows() + 15);
		assertThat(migrator().run(with(command, "--migrator.fail-at=" + CATCH_UP_POINTS))).isEqualTo(ExitCodes.FAILED);
		assertRowsAccountedFor(table, expected);

		int rerun = migrator().run(command.toArray(String[]::new));

		assertThat(rerun).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(new TableFingerprint(expected, before.definition()));
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		if (keepSource) {
			assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table, table + "_origin");
			assertThat(TableFingerprint.of(db, table + "_origin").checksum().rows()).isEqualTo(expected.rows());
		}
		else {
			assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);
		}
	}

	@Test
	void restartByJobInstanceIdResumesTheFailedRun() throws Exception {
		String table = "restart_by_id";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		assertThat(migrator().run(with(command(table, false), "--migrator.fail-at=copy.afterCopy@2")))
			.isEqualTo(ExitCodes.FAILED);
		List<Long> instances = JobRepositoryFiles.jobInstanceIds(this.workDir);
		assertThat(instances).hasSize(1);

		int restarted = migrator().run("--restart", Long.toString(instances.get(0)));

		assertThat(restarted).isEqualTo(ExitCodes.OK);
		assertMigratedExactly(table, before, false);
		assertThat(JobRepositoryFiles.jobInstanceIds(this.workDir)).isEqualTo(instances);
		assertThat(JobRepositoryFiles.jobExecutions(this.workDir)).extracting(Execution::status)
			.containsExactly("FAILED", "COMPLETED");
		assertCompletedPartitionsWereNotCopiedAgain(2);
	}

	/**
	 * Rows that appear in the work table behind the migrator's back (here: one extra row in a
	 * partition already copied) fail the validation, so nothing is swapped; once removed, the rerun
	 * completes.
	 */
	@Test
	void tamperedWorkTableFailsValidationWithoutSwappingAndRerunAfterRepairCompletes(CapturedOutput output)
			throws Exception {
		String table = "tampered";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		List<String> command = command(table, false);
		assertThat(migrator().run(with(command, "--migrator.fail-at=copy.afterCopy@3"))).isEqualTo(ExitCodes.FAILED);
		String work = Sql.qualified(db.name(), table + "__migrating");
		db.execute("INSERT INTO " + work + " VALUES (0, 999999, 'tampered')");

		int tampered = migrator().run(command.toArray(String[]::new));

		assertThat(tampered).isEqualTo(ExitCodes.FAILED);
		assertThat(output).contains("validation of it_resume.tampered failed").contains("nothing was swapped");
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("default");
		assertThat(TableFingerprint.distinctRowsOf(db, table, table + "__migrating").rows())
			.isEqualTo(before.checksum().rows() + 1);
		List<Execution> steps = JobRepositoryFiles.stepExecutions(this.workDir,
				JobRepositoryFiles.jobExecutions(this.workDir).get(1).id());
		assertThat(steps).filteredOn((step) -> step.name().equals("validateTable")).extracting(Execution::status)
			.containsExactly("FAILED");
		assertThat(steps).extracting(Execution::name).doesNotContain("swapTables");
		String extraPart = db.client()
			.queryFirst("SELECT name FROM system.parts WHERE database = " + Sql.literal(db.name()) + " AND table = "
					+ Sql.literal(table + "__migrating") + " AND active AND partition_id = '0' ORDER BY max_block_number DESC",
					(row) -> row.getString(1))
			.orElseThrow();
		db.execute("ALTER TABLE " + work + " DROP PART " + Sql.literal(extraPart));

		int repaired = migrator().run(command.toArray(String[]::new));

		assertThat(repaired).isEqualTo(ExitCodes.OK);
		assertMigratedExactly(table, before, false);
	}

	private Migrator migrator() {
		return new Migrator(ClickHouseStack.get(), this.workDir);
	}

	private static List<String> command(String table, boolean keepSource, String... more) {
		List<String> command = new ArrayList<>(List.of("--mode", "single", "--db", db.name(), "--table", table,
				"--s3-policy", "s3"));
		if (keepSource) {
			command.add("--keep-source");
		}
		command.addAll(List.of(more));
		return command;
	}

	private static String[] with(List<String> command, String... more) {
		return Stream.concat(command.stream(), Stream.of(more)).toArray(String[]::new);
	}

	private static String tableName(String failAt, boolean keepSource) {
		return "t_" + failAt.replaceAll("[^A-Za-z0-9]", "_") + (keepSource ? "_keep" : "");
	}

	/** Four partitions of two parts each, 2000 distinct rows. */
	private static void createTable(String table) {
		String qualified = Sql.qualified(db.name(), table);
		db.execute("CREATE TABLE " + qualified + " " + DEFINITION, "SYSTEM STOP MERGES " + qualified,
				"INSERT INTO " + qualified + " SELECT number % 4, number, toString(number) FROM numbers(1000)",
				"INSERT INTO " + qualified + " SELECT number % 4, number, toString(number) FROM numbers(1000, 1000)");
	}

	/** 10 rows into the existing partition 1, 5 into the new partition 7. */
	private static void insertLateRows(String table) {
		String qualified = Sql.qualified(db.name(), table);
		db.execute("INSERT INTO " + qualified + " SELECT 1, 5000 + number, 'late' FROM numbers(10)",
				"INSERT INTO " + qualified + " SELECT 7, 5010 + number, 'late' FROM numbers(5)");
	}

	/** Every source row is in the source or the work table (whichever names they have now), and no other row. */
	private static void assertRowsAccountedFor(String table, Checksum expected) {
		assertThat(TableFingerprint.distinctRowsOf(db, table, table + "__migrating")).isEqualTo(expected);
	}

	/** {@code before}: the rows and definition expected, in the table and, with {@code keepSource}, in its origin. */
	private static void assertMigratedExactly(String table, TableFingerprint before, boolean keepSource) {
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("s3");
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		if (keepSource) {
			assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table, table + "_origin");
			assertThat(TableFingerprint.of(db, table + "_origin")).isEqualTo(before);
			assertThat(TableFingerprint.policy(db, table + "_origin")).isEqualTo("default");
			assertThat(db.mergesStopped(table + "_origin")).as("merges stopped on " + table + "_origin").isFalse();
		}
		else {
			assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);
		}
		assertThat(db.mergesStopped(table)).as("merges stopped on the migrated table " + table).isFalse();
	}

	/**
	 * The worker steps that completed in the first job execution have no execution in the second,
	 * and those that did not, do.
	 */
	private void assertCompletedPartitionsWereNotCopiedAgain(int executions) throws Exception {
		List<Execution> jobs = JobRepositoryFiles.jobExecutions(this.workDir);
		assertThat(jobs).hasSize(executions);
		List<Execution> first = workers(jobs.get(0).id());
		Set<String> completed = first.stream()
			.filter((step) -> step.status().equals("COMPLETED"))
			.map(Execution::name)
			.collect(Collectors.toSet());
		Set<String> unfinished = first.stream()
			.filter((step) -> !step.status().equals("COMPLETED"))
			.map(Execution::name)
			.collect(Collectors.toSet());
		assertThat(completed).as("partitions completed by the failed run").isNotEmpty();
		assertThat(unfinished).as("partitions the failed run did not complete").isNotEmpty();
		List<Execution> second = workers(jobs.get(1).id());
		assertThat(second).extracting(Execution::name).containsExactlyInAnyOrderElementsOf(unfinished);
		assertThat(second).extracting(Execution::status).containsOnly("COMPLETED");
	}

	private List<Execution> workers(long jobExecutionId) throws Exception {
		return JobRepositoryFiles.stepExecutions(this.workDir, jobExecutionId)
			.stream()
			.filter((step) -> step.name().startsWith("copyPartition:"))
			.toList();
	}

}
