package io.github.chmigrator.validate;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;

import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.Reports;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rows are counted and verified as readers see them, whatever kinds of parts the source holds:
 * lightweight-deleted rows are neither counted nor resurrected, patch parts of a lightweight
 * {@code UPDATE} are neither planned as partitions nor lost, a checksum covers rows holding a
 * NULL, and merges stay stopped on the tables whose rows the migrator is still comparing.
 */
@ExtendWith(OutputCaptureExtension.class)
class PartKindsIntegrationTests {

	private static final String DEFINITION = "(p UInt8, id UInt64, s String, maybe Nullable(Int32)) ENGINE = MergeTree "
			+ "PARTITION BY p ORDER BY id SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1";

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_part_kinds");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "attach", "insert", "auto" })
	void lightweightDeletedRowsAreNeitherCountedNorResurrected(String strategy) throws IOException {
		String table = "deleted_" + strategy;
		createTable(table);
		db.execute("DELETE FROM {db}." + table + " WHERE id % 10 = 0");
		TableFingerprint before = TableFingerprint.of(db, table);
		assertThat(before.checksum().rows()).isEqualTo(2_700);

		int exit = migrator().run("--db", db.name(), "--table", table, "--strategy", strategy, "--verify", "checksum");

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(db.count(table)).isEqualTo(2_700);
		assertThat(Reports.lastTableReport(this.workDir, db.name(), table).path("totals").path("rows").asLong()).as("rows in the report").isEqualTo(2_700);
	}

	@Test
	void patchPartsOfALightweightUpdateAreCopiedPatchedAndNotPlannedAsPartitions(CapturedOutput output)
			throws IOException {
		String table = "patched";
		createTable(table);
		db.execute("UPDATE {db}." + table + " SET s = 'patched' WHERE id % 7 = 0");
		TableFingerprint before = TableFingerprint.of(db, table);
		long patched = db.client()
			.queryFirst("SELECT count() FROM " + qualified(table) + " WHERE s = 'patched'", (row) -> row.getLong(1))
			.orElseThrow();
		assertThat(patched).isEqualTo(429);

		int exit = migrator().run("--db", db.name(), "--table", table, "--verify", "checksum");

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		JsonNode report = Reports.lastTableReport(this.workDir, db.name(), table);
		assertThat(report.path("totals").path("rows").asLong()).isEqualTo(3_000);
		assertThat(report.path("totals").path("partitions").asInt()).as("data partitions only").isEqualTo(3);
		assertThat(output).contains("patch parts are not applied yet");
	}

	/**
	 * {@code cityHash64(a, NULL)} is NULL whatever {@code a} holds, and {@code sum} skips NULLs: a
	 * checksum built that way would not see a changed value in a row holding a NULL.
	 */
	@Test
	void checksumSeesAChangedValueInARowHoldingNull(CapturedOutput output) {
		String table = "nulls";
		createTable(table);
		Migrator migrator = migrator();
		String[] command = { "--db", db.name(), "--table", table, "--verify", "checksum" };
		assertThat(migrator.run(with(command, "--migrator.fail-at=copy.afterCopy@2"))).isEqualTo(ExitCodes.FAILED);
		// a row of a copied partition changes in the work table (a row whose `maybe` is NULL)
		db.execute("SYSTEM START MERGES {db}." + table + "__migrating",
				"ALTER TABLE {db}." + table + "__migrating UPDATE s = 'changed' WHERE id = 3 SETTINGS mutations_sync = 2");
		assertThat(db.client()
			.queryFirst("SELECT maybe IS NULL FROM " + qualified(table + "__migrating") + " WHERE id = 3", (row) -> row.getBoolean(1))
			.orElseThrow()).isTrue();

		int rerun = migrator.run(command);

		assertThat(rerun).isEqualTo(ExitCodes.FAILED);
		assertThat(output).contains("validation of " + db.name() + "." + table + " failed: partition 0: checksum");
		assertThat(TableFingerprint.policy(db, table)).as("nothing was swapped").isEqualTo("default");
		assertThat(db.mergesStopped(table + "__migrating")).as("merges stopped again on the work table").isTrue();
	}

	@Test
	void mergesStayStoppedOnTheStagingTableOfLateRows() {
		String table = "staged";
		createTable(table);
		Migrator migrator = migrator();
		String[] command = { "--db", db.name(), "--table", table };
		assertThat(migrator.run(with(command, "--migrator.fail-at=swap.beforeExchange"))).isEqualTo(ExitCodes.FAILED);
		db.execute("INSERT INTO {db}." + table + " SELECT 1, 10000 + number, 'late', NULL FROM numbers(5)",
				"INSERT INTO {db}." + table + " SELECT 1, 20000 + number, 'late', NULL FROM numbers(5)");

		assertThat(migrator.run(with(command, "--migrator.fail-at=swap.beforeCatchUpMove"))).isEqualTo(ExitCodes.FAILED);

		assertThat(db.tables()).contains(table + "__late");
		assertThat(db.mergesStopped(table + "__late")).isTrue();
		assertThat(migrator.run(command)).isEqualTo(ExitCodes.OK);
		assertThat(db.count(table)).isEqualTo(3_010);
	}

	private void createTable(String table) {
		db.execute("CREATE TABLE {db}." + table + " " + DEFINITION,
				"INSERT INTO {db}." + table + " SELECT number % 3, number, toString(number), if(number % 2 = 1, NULL, toInt32(number)) "
						+ "FROM numbers(3000)");
	}

	private Migrator migrator() {
		return new Migrator(ClickHouseStack.get(), this.workDir);
	}

	private static String qualified(String table) {
		return Sql.qualified(db.name(), table);
	}

	private static String[] with(String[] command, String extra) {
		return Stream.concat(Stream.of(command), Stream.of(extra)).toArray(String[]::new);
	}

}
