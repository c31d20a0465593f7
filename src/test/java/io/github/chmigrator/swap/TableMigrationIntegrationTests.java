package io.github.chmigrator.swap;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import io.github.chmigrator.clickhouse.Checksum;
import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.Reports;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole migrations of one table, for every kind of partition key, engine and column the issue
 * lists, with both copy strategies: same rows before and after (count and hash of all stored
 * columns), every active part on the S3 disk, the same definition but the policy, the table
 * keeping its name, and no table left behind.
 */
class TableMigrationIntegrationTests {

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_migrate");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	static Stream<Arguments> tables() {
		return Stream.of("attach", "insert").flatMap((strategy) -> Stream.of(
				table(strategy, "by_month", "(day Date, id UInt64, name String) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY id",
						"INSERT INTO %s SELECT toDate('2024-01-01') + number % 120, number, toString(number) FROM numbers(5000)"),
				table(strategy, "by_string", "(k String, v UInt64) ENGINE = MergeTree PARTITION BY k ORDER BY v",
						"INSERT INTO %s VALUES ('it''s', 1), ('back\\\\slash', 2), ('юникод ✓', 3), ('', 4), ('tab\tnew\nline', 5), ('it''s', 6)"),
				table(strategy, "by_tuple", "(a Int32, b String, v UInt64) ENGINE = MergeTree PARTITION BY (a, b) ORDER BY v",
						"INSERT INTO %s SELECT number % 3 - 1, toString(number % 2), number FROM numbers(300)"),
				table(strategy, "by_negative", "(n Int64, v UInt64) ENGINE = MergeTree PARTITION BY n ORDER BY v",
						"INSERT INTO %s SELECT -(number % 4), number FROM numbers(100)"),
				table(strategy, "unpartitioned", "(v UInt64, s String) ENGINE = MergeTree ORDER BY v",
						"INSERT INTO %s SELECT number, toString(number) FROM numbers(1000)"),
				table(strategy, "empty", "(v UInt64) ENGINE = MergeTree PARTITION BY v % 10 ORDER BY v"),
				table(strategy, "replacing", "(k UInt32, v UInt64, ver UInt32) ENGINE = ReplacingMergeTree(ver) PARTITION BY k % 2 ORDER BY k",
						"INSERT INTO %s SELECT number % 10, number, number FROM numbers(50)",
						"INSERT INTO %s SELECT number % 10, number + 100, number + 100 FROM numbers(50)"),
				table(strategy, "summing", "(d Date, k UInt32, v UInt64) ENGINE = SummingMergeTree(v) PARTITION BY toYYYYMM(d) ORDER BY k",
						"INSERT INTO %s SELECT toDate('2024-01-01') + number % 40, number % 5, 1 FROM numbers(100)",
						"INSERT INTO %s SELECT toDate('2024-01-01') + number % 40, number % 5, 2 FROM numbers(100)",
						"INSERT INTO %s SELECT toDate('2024-01-01') + number % 40, number % 5, 3 FROM numbers(100)"),
				table(strategy, "aggregating", "(d Date, k UInt32, s AggregateFunction(sum, UInt64), u AggregateFunction(uniq, String)) "
						+ "ENGINE = AggregatingMergeTree PARTITION BY toYYYYMM(d) ORDER BY k",
						"INSERT INTO %s SELECT toDate('2024-01-01') + number % 2 * 40, number % 3, sumState(number), uniqState(toString(number)) FROM numbers(90) GROUP BY number % 2, number % 3",
						"INSERT INTO %s SELECT toDate('2024-01-01') + number % 2 * 40, number % 3, sumState(number), uniqState(toString(number)) FROM numbers(90) GROUP BY number % 2, number % 3"),
				table(strategy, "collapsing", "(k UInt32, v UInt64, sign Int8) ENGINE = CollapsingMergeTree(sign) PARTITION BY k % 3 ORDER BY k",
						"INSERT INTO %s SELECT number, number * 10, 1 FROM numbers(70)",
						"INSERT INTO %s SELECT number, number * 10, -1 FROM numbers(35)"),
				table(strategy, "rich_columns", """
						(day Date, id UInt64 CODEC(Delta(8), ZSTD(1)), name String DEFAULT 'n/a' COMMENT 'it''s a name',
						 doubled UInt64 MATERIALIZED id * 2, tripled UInt64 ALIAS id * 3,
						 tags Array(String), maybe Nullable(Int32),
						 INDEX name_idx name TYPE bloom_filter GRANULARITY 1,
						 PROJECTION by_day (SELECT day, count() GROUP BY day),
						 CONSTRAINT positive CHECK id >= 0)
						ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY id TTL day + INTERVAL 100 YEAR
						SETTINGS index_granularity = 4096 COMMENT 'table comment'""",
						"INSERT INTO %s (day, id, name, tags, maybe) SELECT toDate('2024-03-01') + number % 60, number, toString(number), [toString(number)], if(number % 2 = 0, NULL, toInt32(number)) FROM numbers(800)")));
	}

	private static Arguments table(String strategy, String name, String definition, String... inserts) {
		return Arguments.of(strategy, name + "_" + strategy, definition, List.of(inserts));
	}

	@ParameterizedTest(name = "{1}")
	@MethodSource("tables")
	void migratesExactly(String strategy, String table, String definition, List<String> inserts) throws Exception {
		String qualified = Sql.qualified(db.name(), table);
		db.execute("CREATE TABLE " + qualified + " " + definition);
		// separate inserts leave unmerged parts: Summing/Collapsing rows must not fold while copied
		db.execute("SYSTEM STOP MERGES " + qualified);
		inserts.forEach((insert) -> db.execute(insert.replace("%s", qualified)));
		TableFingerprint before = TableFingerprint.of(db, table);
		Checksum storedBefore = TableFingerprint.rawRows(db, table);
		long rawRows = db.count(table);
		String[] command = { "--mode", "single", "--db", db.name(), "--table", table, "--s3-policy", "s3", "--strategy",
				strategy, "--verify", "checksum" };

		// stopped right before the exchange: the work table (merges stopped) holds the rows as stored, row for row
		int stopped = new Migrator(ClickHouseStack.get(), this.workDir)
			.run(Stream.concat(Stream.of(command), Stream.of("--migrator.fail-at=swap.beforeExchange")).toArray(String[]::new));
		assertThat(stopped).isEqualTo(ExitCodes.FAILED);
		assertThat(TableFingerprint.rawRows(db, table + "__migrating")).as("no row folded, lost or stored twice")
			.isEqualTo(storedBefore);
		int exit = new Migrator(ClickHouseStack.get(), this.workDir).run(command);

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("s3");
		if (rawRows > 0) {
			assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		}
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);
		JsonNode report = Reports.lastTableReport(this.workDir, db.name(), table);
		assertThat(report.path("status").asText()).isEqualTo("COMPLETED");
		assertThat(report.path("strategies").toString()).isEqualTo((rawRows > 0) ? "[\"" + strategy + "\"]" : "[]");
	}

	@Test
	void partitionsCopiedInParallelMigrateExactly() {
		String qualified = Sql.qualified(db.name(), "parallel");
		db.execute("CREATE TABLE " + qualified + " (day Date, id UInt64) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY id",
				"INSERT INTO " + qualified + " SELECT toDate('2023-01-01') + number % 365, number FROM numbers(12000)");
		TableFingerprint before = TableFingerprint.of(db, "parallel");

		int exit = new Migrator(ClickHouseStack.get(), this.workDir).run("--mode", "single", "--db", db.name(), "--table",
				"parallel", "--s3-policy", "s3", "--parallelism", "4", "--insert-interval", "0.2");

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, "parallel")).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, "parallel")).containsExactly("s3");
		assertThat(db.tables()).filteredOn((name) -> name.startsWith("parallel")).containsExactly("parallel");
	}

	@Test
	void tableRestoredOffThePolicyAfterItsMigrationIsMigratedAgain() {
		String qualified = Sql.qualified(db.name(), "restored");
		String create = "CREATE TABLE " + qualified + " (day Date, id UInt64) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY id";
		String insert = "INSERT INTO " + qualified + " SELECT toDate('2024-01-01') + number % 60, number FROM numbers(600)";
		db.execute(create, insert);
		Migrator migrator = new Migrator(ClickHouseStack.get(), this.workDir);
		String[] command = { "--mode", "single", "--db", db.name(), "--table", "restored", "--s3-policy", "s3" };
		assertThat(migrator.run(command)).isEqualTo(ExitCodes.OK);
		assertThat(migrator.run(command)).as("nothing left to do").isEqualTo(ExitCodes.OK);

		// restored from a backup onto the local disk
		db.execute("DROP TABLE " + qualified + " SYNC", create, insert);
		TableFingerprint before = TableFingerprint.of(db, "restored");

		assertThat(migrator.run(command)).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, "restored")).isEqualTo(before);
		assertThat(TableFingerprint.policy(db, "restored")).isEqualTo("s3");
	}

}
