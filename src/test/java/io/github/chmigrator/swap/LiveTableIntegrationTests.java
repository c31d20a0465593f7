package io.github.chmigrator.swap;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.util.FileSystemUtils;

import io.github.chmigrator.clickhouse.ClickHouseClient;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live table stays whole until the cut-over: readers never miss a row, every exit leaves the
 * source as it was, and what an operator or the server changes in a partition already copied is
 * carried to the migrated table from {@code system.parts} alone (the local front's query log is
 * never read: these tests pass without it).
 */
@ExtendWith(OutputCaptureExtension.class)
class LiveTableIntegrationTests {

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_live");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@Test
	void aReaderOfTheLiveTableNeverSeesARowMissing() throws Exception {
		String table = "read_during";
		db.createPartitionedTable(table, 12, 360_000, "");
		AtomicBoolean running = new AtomicBoolean(true);
		AtomicLong fewest = new AtomicLong(Long.MAX_VALUE);
		AtomicInteger reads = new AtomicInteger();
		Thread reader = new Thread(() -> {
			try (ClickHouseClient client = new ClickHouseClient(TestDatabase.settings(ClickHouseStack.get()), 1)) {
				while (running.get()) {
					long rows = client.queryFirst("SELECT count() FROM " + db.name() + "." + table, (row) -> row.getLong(1))
						.orElseThrow();
					fewest.accumulateAndGet(rows, Math::min);
					reads.incrementAndGet();
				}
			}
		});
		reader.start();

		int exit = run(table, "--batch-partitions", "1");
		running.set(false);
		reader.join(30_000);

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(reads.get()).as("reads during the run").isGreaterThan(12);
		assertThat(fewest.get()).as("the fewest rows a reader saw").isEqualTo(360_000);
		assertThat(db.count(table)).isEqualTo(360_000);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
	}

	/**
	 * A run stops after copying partitions 0 and 1, leaving the live table whole; an operator then
	 * changes copied partitions; the rerun ends exactly as the source is, with no manual step.
	 * {@code {t}} is the table.
	 */
	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
			"insert | INSERT INTO {t} SELECT 1, 100000 + number, 'new' FROM numbers(100)",
			"alter delete | ALTER TABLE {t} DELETE WHERE p = 1 AND id % 10 = 1 SETTINGS mutations_sync = 2",
			"alter update | ALTER TABLE {t} UPDATE s = 'updated' WHERE p = 0 SETTINGS mutations_sync = 2",
			"lightweight delete | DELETE FROM {t} WHERE p = 1 AND id % 7 = 0",
			"lightweight update | UPDATE {t} SET s = 'patched' WHERE p = 0",
			"drop partition | ALTER TABLE {t} DROP PARTITION 1",
			"truncate | TRUNCATE TABLE {t}",
			"replace partition | CREATE TABLE {t}_other AS {t}; INSERT INTO {t}_other SELECT 1, 200000 + number, 'other' FROM numbers(30); ALTER TABLE {t} REPLACE PARTITION 1 FROM {t}_other; DROP TABLE {t}_other SYNC",
			"rebuilt partition | ALTER TABLE {t} DROP PARTITION 0; INSERT INTO {t} SELECT 0, 300000 + number, 'rebuilt' FROM numbers(40)",
			"merge | OPTIMIZE TABLE {t} PARTITION 1 FINAL",
			"add column | ALTER TABLE {t} ADD COLUMN c String DEFAULT 'none' AFTER id; INSERT INTO {t} SELECT 1, 400000 + number, 'set', 'new' FROM numbers(50)",
			"drop column | ALTER TABLE {t} DROP COLUMN s SETTINGS mutations_sync = 2",
			"modify column | ALTER TABLE {t} MODIFY COLUMN s LowCardinality(String) SETTINGS mutations_sync = 2",
			"add index | ALTER TABLE {t} ADD INDEX s_idx s TYPE bloom_filter GRANULARITY 1" })
	void aChangeToACopiedPartitionIsCarried(String change, String statements) {
		String table = "changed_" + change.replace(' ', '_');
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		assertThat(run(table, "--batch-partitions", "1", "--migrator.fail-at=copy.afterCopy@2")).isEqualTo(ExitCodes.FAILED);
		assertThat(TableFingerprint.of(db, table)).as("the live table is whole after the failed run").isEqualTo(before);
		db.execute(statements(table, statements));
		TableFingerprint expected = TableFingerprint.of(db, table);
		if (!change.equals("merge")) {
			assertThat(expected).as("what the change did").isNotEqualTo(before);
		}

		int exit = run(table);

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(expected);
		assertThat(TableFingerprint.disks(db, table)).isSubsetOf("s3");
		assertThat(ownTables(table)).containsExactly(table);
	}

	/** kill -9 between the change and its carry-over, and in the cut-over: the rerun ends exact. */
	@ParameterizedTest(name = "{0}")
	@CsvSource({ "catchUp.afterDrop@1", "swap.beforeCatchUpMove@0", "cutOver.held", "swap.beforeExchange",
			"swap.afterExchange" })
	void killedWhileCarryingAChangeTheRerunEndsExact(String point) throws Exception {
		String table = "killed_" + point.replaceAll("\\W", "_");
		createTable(table);
		assertThat(run(table, "--batch-partitions", "1", "--migrator.fail-at=copy.afterCopy@2")).isEqualTo(ExitCodes.FAILED);
		db.execute(statements(table, "ALTER TABLE {t} DELETE WHERE p = 1 AND id % 10 = 1 SETTINGS mutations_sync = 2; "
				+ "INSERT INTO {t} SELECT 0, 500000 + number, 'late' FROM numbers(20)"));
		TableFingerprint expected = TableFingerprint.of(db, table);
		assertThat(expected.checksum().rows()).as("rows deleted and inserted").isEqualTo(2_000 - 100 + 20);

		Process killed = new Migrator(ClickHouseStack.get(), this.workDir)
			.separateJvm(this.workDir.resolve("killed.log"), command(table, "--migrator.halt-at=" + point))
			.start();
		assertThat(killed.waitFor(120, TimeUnit.SECONDS)).isTrue();
		assertThat(killed.exitValue()).as(Files.readString(this.workDir.resolve("killed.log"))).isEqualTo(137);
		if (!point.equals("swap.afterExchange")) {
			assertThat(TableFingerprint.of(db, table)).as("the live table is whole after the kill").isEqualTo(expected);
		}

		assertThat(run(table)).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(expected);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(ownTables(table)).containsExactly(table);
	}

	@Test
	void aRerunThatLostItsJobRepositoryDropsItsOwnWorkTableAndEndsExact(CapturedOutput output) throws Exception {
		String table = "lost_repository";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		assertThat(run(table, "--batch-partitions", "1", "--migrator.fail-at=copy.afterCopy@2")).isEqualTo(ExitCodes.FAILED);
		FileSystemUtils.deleteRecursively(this.workDir.resolve("data"));
		db.execute(statements(table, "INSERT INTO {t} SELECT 1, 600000 + number, 'after' FROM numbers(10)"));
		TableFingerprint expected = TableFingerprint.of(db, table);
		assertThat(expected).isNotEqualTo(before);

		int exit = run(table);

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(output).contains("was made by job instance 1 of the migrator");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(expected);
		assertThat(ownTables(table)).containsExactly(table);
	}

	/** The new table's parts bear the copied parts' names and blocks: only its UUID tells them apart. */
	@Test
	void aSourceDroppedAndCreatedAnewIsMigratedAsItIsNow(CapturedOutput output) {
		String table = "replaced";
		createTable(table);
		assertThat(run(table, "--batch-partitions", "1", "--migrator.fail-at=copy.afterCopy@2")).isEqualTo(ExitCodes.FAILED);
		db.execute("DROP TABLE {db}." + table + " SYNC");
		db.execute(statements(table, "CREATE TABLE {t} (p UInt8, id UInt64, s String) ENGINE = MergeTree PARTITION BY p ORDER BY id",
				"INSERT INTO {t} SELECT number % 4, number, 'anew' FROM numbers(1000)",
				"INSERT INTO {t} SELECT number % 4, number, 'anew' FROM numbers(1000, 1000)"));
		TableFingerprint anew = TableFingerprint.of(db, table);

		int exit = run(table);

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(output).contains("it was dropped and created anew during the run");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(anew);
		assertThat(db.count(table, "s = 'anew'")).isEqualTo(2_000);
	}

	@Test
	void aTableOfTheWorkTablesNameWithoutTheMarkerIsNeverTouched(CapturedOutput output) {
		String table = "foreign_work";
		createTable(table);
		db.execute(statements(table, "CREATE TABLE {t}__migrating (x UInt8) ENGINE = MergeTree ORDER BY x",
				"INSERT INTO {t}__migrating VALUES (7)"));

		int exit = run(table);

		assertThat(exit).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("and job instance 1 did not create it");
		assertThat(db.count(table + "__migrating")).isEqualTo(1);
		assertThat(db.count(table)).isEqualTo(2_000);
	}

	@Test
	void abortDropsTheWorkTableAndLeavesTheLiveTableAsItWas(CapturedOutput output) {
		String table = "aborted";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		assertThat(run(table, "--batch-partitions", "1", "--migrator.fail-at=copy.afterCopy@2")).isEqualTo(ExitCodes.FAILED);
		assertThat(ownTables(table)).contains(table + "__migrating");

		assertThat(run(table, "--abort")).isEqualTo(ExitCodes.OK);

		assertThat(output).contains("the table kept every row during the run, so nothing was put back");
		assertThat(ownTables(table)).containsExactly(table);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("default");
		assertThat(db.mergesStopped(table)).as("merges on the source run again").isFalse();

		assertThat(run(table, "--abort")).isEqualTo(ExitCodes.OK);
		assertThat(output).contains("was already abandoned; nothing to do");
	}

	@Test
	void anUnfinishedMutationDoesNotStopTheCopyAndTheCutOverWaitsForIt(CapturedOutput output) {
		String table = "stuck_mutation";
		createTable(table);
		// a mutation that fails on every attempt stays unfinished until it is killed
		db.execute(statements(table, "ALTER TABLE {t} UPDATE s = toString(throwIf(id >= 0)) WHERE p = 3 "
				+ "SETTINGS mutations_sync = 0"));
		TableFingerprint before = TableFingerprint.of(db, table);

		int stopped = run(table, "--migration.mutation-wait=2s");

		assertThat(stopped).isEqualTo(ExitCodes.FAILED);
		assertThat(output).contains("still has 1 unfinished mutations after 2 s");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("default");

		db.execute("KILL MUTATION WHERE database = '" + db.name() + "' AND table = '" + table + "' SYNC");
		assertThat(run(table)).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
	}

	@Test
	void theReportSaysHowLongTheCutOverTook() throws Exception {
		String table = "reported";
		createTable(table);

		assertThat(run(table)).isEqualTo(ExitCodes.OK);

		try (Stream<Path> files = Files.list(this.workDir.resolve("reports"))) {
			Path report = files.filter((file) -> file.getFileName().toString().startsWith("migration_it_live." + table + "_"))
				.findFirst()
				.orElseThrow();
			assertThat(Files.readString(report)).containsPattern("\"cutOverSeconds\" : [0-9.]+");
		}
	}

	private List<String> ownTables(String table) {
		return db.tables().stream().filter((name) -> name.equals(table) || name.startsWith(table + "_")).toList();
	}

	private int run(String table, String... more) {
		return new Migrator(ClickHouseStack.get(), this.workDir).run(command(table, more));
	}

	private static String[] command(String table, String... more) {
		return Stream.concat(Stream.of("--db", db.name(), "--table", table), Stream.of(more)).toArray(String[]::new);
	}

	private static String[] statements(String table, String... texts) {
		return Arrays.stream(texts)
			.flatMap((text) -> Arrays.stream(text.split(";")))
			.map(String::strip)
			.filter((statement) -> !statement.isEmpty())
			.map((statement) -> statement.replace("{t}", "{db}." + table))
			.toArray(String[]::new);
	}

	/** Four partitions of two parts each, 2000 distinct rows; lightweight updates allowed. */
	private static void createTable(String table) {
		db.createPartitionedTable(table, 4, 2_000, "enable_block_number_column = 1, enable_block_offset_column = 1");
	}

}
