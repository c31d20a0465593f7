package io.github.chmigrator.swap;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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

import io.github.chmigrator.clickhouse.Checksum;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code --free-local-per-partition} (the source kept whole carries every change instead:
 * {@code LiveTableIntegrationTests}), what an operator does to a live table during a run either
 * reaches the migrated table or stops the table before the swap with nothing lost: a mutation, a lightweight {@code UPDATE}, the table
 * dropped and created anew, another change of its definition stop it; {@code ADD COLUMN} is
 * carried over; a mutation still unfinished when a run starts is refused.
 */
@ExtendWith(OutputCaptureExtension.class)
class SourceChangesIntegrationTests {

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_changes");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@Test
	void mutationDuringTheRunStopsTheTableBeforeTheSwapAndTheAcceptedRerunEndsExact(CapturedOutput output) {
		String table = "deleted_during";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		assertThat(run(table, "--migrator.fail-at=copy.afterDropPart@1")).isEqualTo(ExitCodes.FAILED);
		db.execute("ALTER TABLE {db}." + table + " DELETE WHERE id % 10 = 0 SETTINGS mutations_sync = 2");

		int stopped = run(table);

		assertThat(stopped).isEqualTo(ExitCodes.FAILED);
		assertThat(output).contains("it_changes.deleted_during changed in a way the partitions already moved to "
				+ "deleted_during__migrating do not have: it received 1 mutations during the run")
			.contains("DELETE WHERE");
		assertThat(TableFingerprint.policy(db, table)).as("nothing swapped").isEqualTo("default");
		assertThat(TableFingerprint.distinctRowsOf(db, table, table + "__migrating")).as("nothing lost")
			.isEqualTo(before.checksum());

		// the operator carries the DELETE to the moved partitions, as the message says
		db.execute("SYSTEM START MERGES {db}." + table + "__migrating",
				"ALTER TABLE {db}." + table + "__migrating DELETE WHERE id % 10 = 0 SETTINGS mutations_sync = 2");
		int accepted = run(table, "--accept-source-changes");

		assertThat(accepted).isEqualTo(ExitCodes.OK);
		assertThat(db.count(table)).isEqualTo(1_800);
		assertThat(db.count(table, "id % 10 = 0")).as("deleted rows stay deleted").isZero();
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
	}

	/**
	 * Partition by partition, the failed run left a part of partition 1 in the source, which the
	 * UPDATE patches (new patch parts); in one batch, every part of it had moved, and only the
	 * query log shows the UPDATE, which reached none of its rows.
	 */
	@ParameterizedTest(name = "batch of {0}")
	@CsvSource({ "1, it received a lightweight UPDATE during the run",
			"100, a lightweight UPDATE does not reach its rows in updated_during_100__migrating" })
	void lightweightUpdateDuringTheRunStopsTheTableBeforeTheSwap(int batchPartitions, String reason,
			CapturedOutput output) {
		String table = "updated_during_" + batchPartitions;
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		assertThat(run(table, "--batch-partitions", Integer.toString(batchPartitions),
				"--migrator.fail-at=copy.afterDropPart@1")).isEqualTo(ExitCodes.FAILED);
		db.execute("UPDATE {db}." + table + " SET s = 'updated' WHERE p = 1");

		int stopped = run(table);

		assertThat(stopped).isEqualTo(ExitCodes.FAILED);
		assertThat(output).contains(reason);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("default");
		assertThat(db.count(table) + db.count(table + "__migrating")).isGreaterThanOrEqualTo(before.checksum().rows());
	}

	@Test
	void tableDroppedAndCreatedAnewDuringTheRunKeepsItsPartsAndStops(CapturedOutput output) {
		String table = "replaced_during";
		createTable(table);
		assertThat(run(table, "--migrator.fail-at=copy.afterDropPart@1")).isEqualTo(ExitCodes.FAILED);
		Checksum moved = TableFingerprint.distinctRowsOf(db, table + "__migrating");
		db.execute("DROP TABLE {db}." + table + " SYNC");
		createTable(table);
		TableFingerprint anew = TableFingerprint.of(db, table);

		int stopped = run(table);

		assertThat(stopped).isEqualTo(ExitCodes.FAILED);
		assertThat(output).contains("the table was dropped and created anew during the run");
		assertThat(TableFingerprint.of(db, table)).as("the new table's parts, named like the copied ones, are kept")
			.isEqualTo(anew);
		assertThat(TableFingerprint.distinctRowsOf(db, table + "__migrating")).isEqualTo(moved);
	}

	@Test
	void mutationUnfinishedWhenTheRunStartsIsRefused(CapturedOutput output) {
		String table = "pending_mutation";
		createTable(table);
		db.execute("SYSTEM STOP MERGES {db}." + table,
				"ALTER TABLE {db}." + table + " DELETE WHERE id % 10 = 0 SETTINGS mutations_sync = 0");

		int refused = run(table);

		assertThat(refused).isEqualTo(ExitCodes.FAILED);
		assertThat(output).contains("it_changes.pending_mutation has 1 unfinished mutations");
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);

		db.execute("SYSTEM START MERGES {db}." + table,
				"ALTER TABLE {db}." + table + " DELETE WHERE 0 SETTINGS mutations_sync = 2");
		assertThat(run(table)).isEqualTo(ExitCodes.OK);
		assertThat(db.count(table)).isEqualTo(1_800);
	}

	@Test
	void columnAddedDuringTheRunIsCarriedOverWithItsValues() throws Exception {
		String table = "added_during";
		createTable(table);
		haltAfterCopyingTheFirstPartition(table);
		db.execute("ALTER TABLE {db}." + table + " ADD COLUMN c String DEFAULT 'none' AFTER id",
				"INSERT INTO {db}." + table + " SELECT 2, 10000 + number, 'set', 'new' FROM numbers(50)");
		TableFingerprint expected = TableFingerprint.of(db, table);

		int exit = run(table);

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(expected);
		assertThat(db.count(table, "c = 'set'")).isEqualTo(50);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
	}

	@Test
	void definitionChangedOtherwiseDuringTheRunStopsTheTable(CapturedOutput output) throws Exception {
		String table = "indexed_during";
		createTable(table);
		haltAfterCopyingTheFirstPartition(table);
		db.execute("ALTER TABLE {db}." + table + " ADD INDEX s_idx s TYPE bloom_filter GRANULARITY 1");

		int stopped = run(table);

		assertThat(stopped).isEqualTo(ExitCodes.FAILED);
		assertThat(output).contains("the definition of it_changes.indexed_during changed during the run in a way the "
				+ "migrator carries over only for ADD COLUMN");
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("default");
		assertThat(db.count(table)).isEqualTo(2_000);
	}

	/** A run killed right after copying partition 0: the other partitions are untouched. */
	private void haltAfterCopyingTheFirstPartition(String table) throws Exception {
		Process killed = new Migrator(ClickHouseStack.get(), this.workDir)
			.separateJvm(this.workDir.resolve("killed.log"), command(table, "--migrator.halt-at=copy.afterCopy@0"))
			.start();
		assertThat(killed.waitFor(90, TimeUnit.SECONDS)).isTrue();
		assertThat(killed.exitValue()).isEqualTo(137);
	}

	private int run(String table, String... more) {
		return new Migrator(ClickHouseStack.get(), this.workDir).run(command(table, more));
	}

	/** The design's original loop, whose partitions leave the source as they are copied. */
	private static String[] command(String table, String... more) {
		return Stream.concat(Stream.of("--db", db.name(), "--table", table, "--free-local-per-partition"), Stream.of(more))
			.toArray(String[]::new);
	}


	/** Four partitions of two parts each, 2000 distinct rows; lightweight updates allowed. */
	private static void createTable(String table) {
		db.createPartitionedTable(table, 4, 2_000, "enable_block_number_column = 1, enable_block_offset_column = 1");
	}

}
