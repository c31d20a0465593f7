package io.github.chmigrator.swap;

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

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.Reports;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Detached parts (an operator's {@code DETACH PARTITION|PART}, kept to attach again or for
 * recovery) live in the table's directory and would go with the old table: they are refused
 * before a run starts, kept with the old table by {@code --keep-source}, and when they appear
 * during a run the old table is kept instead of dropped, and the report says so.
 */
@ExtendWith(OutputCaptureExtension.class)
class DetachedPartsIntegrationTests {

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_detached");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@Test
	void detachedPartsAreRefusedBeforeAnythingStarts(CapturedOutput output) {
		String table = "refused";
		createTable(table);
		db.execute("ALTER TABLE {db}." + table + " DETACH PARTITION 1");
		TableFingerprint before = TableFingerprint.of(db, table);

		int exit = migrator().run("--db", db.name(), "--table", table);

		assertThat(exit).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("table it_detached.refused has 2 detached parts");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);
		assertThat(detachedParts(table)).hasSize(2);
	}

	@Test
	void keepSourceKeepsTheDetachedPartsWithTheOriginalTable() {
		String table = "kept";
		createTable(table);
		db.execute("ALTER TABLE {db}." + table + " DETACH PARTITION 1");
		TableFingerprint before = TableFingerprint.of(db, table);

		int exit = migrator().run("--db", db.name(), "--table", table, "--keep-source");

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(detachedParts(table + "_origin")).hasSize(2);
	}

	@Test
	void partsDetachedDuringTheRunKeepTheOldTableAndTheReportSaysSo() throws Exception {
		String table = "during";
		createTable(table);
		String[] command = { "--db", db.name(), "--table", table };
		// killed right after copying partition 0: the other partitions are untouched in the source
		Process killed = migrator().separateJvm(this.workDir.resolve("killed.log"),
				with(command, "--migrator.halt-at=copy.afterCopy@0")).start();
		assertThat(killed.waitFor(90, TimeUnit.SECONDS)).isTrue();
		assertThat(killed.exitValue()).isEqualTo(137);
		// the operator takes partition 2 out of the live table, to attach it again later
		db.execute("ALTER TABLE {db}." + table + " DETACH PARTITION 2");
		long live = db.count(table);

		int exit = migrator().run(command);

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(db.count(table)).as("every row but the detached partition's").isEqualTo(live);
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table, table + "_origin");
		assertThat(detachedParts(table + "_origin")).hasSize(2);
		assertThat(Reports.lastTableReport(this.workDir, db.name(), table).path("keptOldTable").asString()).startsWith("it_detached.during_origin (2 detached parts");
	}

	private static void createTable(String table) {
		db.execute("CREATE TABLE {db}." + table + " (p UInt8, id UInt64) ENGINE = MergeTree PARTITION BY p ORDER BY id",
				"SYSTEM STOP MERGES {db}." + table,
				"INSERT INTO {db}." + table + " SELECT number % 4, number FROM numbers(1000)",
				"INSERT INTO {db}." + table + " SELECT number % 4, number FROM numbers(1000, 1000)");
	}

	private static List<String> detachedParts(String table) {
		return db.catalog().detachedParts(db.name(), table);
	}

	private Migrator migrator() {
		return new Migrator(ClickHouseStack.get(), this.workDir);
	}

	private static String[] with(String[] command, String extra) {
		return Stream.concat(Stream.of(command), Stream.of(extra)).toArray(String[]::new);
	}

}
