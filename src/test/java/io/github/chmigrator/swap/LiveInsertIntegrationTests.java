package io.github.chmigrator.swap;

import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.chmigrator.clickhouse.Checksum;
import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.LiveWriter;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The table stays writable while it migrates: a writer keeps inserting small batches of new ids,
 * into existing partitions and new ones, through the table's name, before, during and after the
 * swap. Every insert that returned without error is in the migrated table exactly once, every
 * original row is unchanged, and nothing else is there (an insert that failed may or may not
 * have landed, but never twice).
 */
class LiveInsertIntegrationTests {

	private static final int PARTITIONS = 10;

	private static final long ORIGINAL_ROWS = 3000;

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

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "attach", "insert" })
	void everyConfirmedInsertDuringTheMigrationEndsUpInTheMigratedTableExactlyOnce(String strategy) throws Exception {
		String table = "live_" + strategy;
		String qualified = Sql.qualified(db.name(), table);
		db.createPartitionedTable(table, PARTITIONS, ORIGINAL_ROWS, "");
		Checksum originals = originalRows(table);
		int exit;
		int confirmedBefore;
		int confirmedDuring;
		LiveWriter writer = new LiveWriter(qualified, PARTITIONS);
		try {
			writer.awaitConfirmed(5);
			confirmedBefore = writer.confirmed().size();
			exit = new Migrator(ClickHouseStack.get(), this.workDir).run("--mode", "single", "--db", db.name(), "--table",
					table, "--s3-policy", "s3", "--strategy", strategy, "--insert-interval", "0.2");
			confirmedDuring = writer.confirmed().size() - confirmedBefore;
			// a few more inserts after the swap, into the new table by its name
			writer.awaitConfirmed(writer.confirmed().size() + 5);
		}
		finally {
			writer.close();
		}

		assertThat(exit).as("exit code; writer errors: %s", writer.errors()).isEqualTo(ExitCodes.OK);
		assertThat(writer.errors()).as("inserts refused while the table migrated").isEmpty();
		assertThat(confirmedDuring).as("rows inserted while the migration ran").isGreaterThan(50);
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("s3");
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(originalRows(table)).as("the original rows").isEqualTo(originals);
		writer.assertExactlyOnce(db.client().query("SELECT id FROM " + qualified, (row) -> row.getLong(1)),
				LongStream.range(0, ORIGINAL_ROWS).boxed().collect(Collectors.toSet()));
		assertThat(db.mergesStopped(table)).as("merges stopped on the migrated table").isFalse();
	}

	private static Checksum originalRows(String table) {
		return db.client()
			.queryFirst("SELECT count(), toString(sum(cityHash64(p, id, s))) FROM " + Sql.qualified(db.name(), table)
					+ " WHERE id < " + ORIGINAL_ROWS, (row) -> new Checksum(row.getLong(1), row.getString(2)))
			.orElseThrow();
	}

}
