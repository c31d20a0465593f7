package io.github.chmigrator.swap;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code --keep-source} the copied parts stay in the source, and merges run there again once
 * their partition moved. One INSERT into several partitions gives each partition's part its own
 * block number, so a partition's copied parts leave gaps in between, and their merge spans blocks
 * that were never copied from this partition: it must still be recognised as copied, not as
 * copied rows merged with later ones.
 */
class KeepSourceMergesIntegrationTests {

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_keep_merges");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@Test
	void copiedPartsMergedAcrossOtherPartitionsBlocksAreStillCopied() {
		String table = "interleaved";
		// two INSERTs into four partitions: partition 0 holds blocks 1 and 5, blocks 2..4 are the others'
		db.createPartitionedTable(table, 4, 2_000, "");
		TableFingerprint before = TableFingerprint.of(db, table);
		assertThat(run(table, "--keep-source", "--migrator.fail-at=copy.afterCopy@1")).isEqualTo(ExitCodes.FAILED);
		db.execute("SYSTEM START MERGES {db}." + table, "OPTIMIZE TABLE {db}." + table + " PARTITION 0 FINAL");
		assertThat(parts(table, "0")).as("an ordinary merge of the copied parts").containsExactly("0_1_5_1");

		int exit = run(table, "--keep-source");

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(TableFingerprint.of(db, table + "_origin").checksum()).as("the source, kept").isEqualTo(before.checksum());
	}

	private static List<String> parts(String table, String partitionId) {
		return db.client()
			.query("SELECT name FROM system.parts WHERE active AND database = " + Sql.literal(db.name()) + " AND table = "
					+ Sql.literal(table) + " AND partition_id = " + Sql.literal(partitionId), (row) -> row.getString(1));
	}

	private int run(String table, String... more) {
		return new Migrator(ClickHouseStack.get(), this.workDir).runTable(db, table, more);
	}

}
