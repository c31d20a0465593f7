package io.github.chmigrator.swap;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A database and tables whose names need quoting (space, dot, backtick, unicode), partitioned by
 * strings with quotes, backslashes and backticks: migrated exactly with both strategies, with
 * {@code --keep-source}, and resumed after failures (which runs the catch-up of late rows and the
 * drop of single parts with those names).
 */
class QuotedNamesIntegrationTests {

	private static final String DATABASE = "it q.db ü`";

	private static final String TABLE = "we`ird name.t";

	private static final String DEFINITION = "(k String, id UInt64, v String) ENGINE = MergeTree PARTITION BY k ORDER BY id";

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), DATABASE);
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "attach", "insert" })
	void migratesExactly(String strategy) {
		String table = TABLE + " " + strategy;
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);

		int exit = migrator().run(command(table, "--strategy", strategy, "--verify", "checksum"));

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertMigratedExactly(table, before);
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "attach", "insert" })
	void keepSourceKeepsTheOriginalUnderItsQuotedOriginName(String strategy) {
		String table = TABLE + " keep ü " + strategy;
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);

		int exit = migrator().run(command(table, "--strategy", strategy, "--keep-source"));

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertMigratedExactly(table, before);
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table, table + "_origin");
		assertThat(TableFingerprint.of(db, table + "_origin")).isEqualTo(before);
	}

	/**
	 * Fails after dropping a source part, then before the exchange with rows inserted meanwhile
	 * (into a copied partition and a new one, both with quoted keys): the reruns move them and end exact.
	 */
	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "attach", "insert" })
	void resumesAndCatchesUpLateRowsExactly(String strategy) {
		String table = TABLE + " resume " + strategy;
		createTable(table);
		String[] command = command(table, "--strategy", strategy);

		assertThat(migrator().run(with(command, "--migrator.fail-at=copy.afterCopy"))).isEqualTo(ExitCodes.FAILED);
		assertThat(migrator().run(with(command, "--migrator.fail-at=swap.beforeExchange"))).isEqualTo(ExitCodes.FAILED);
		String qualified = Sql.qualified(db.name(), table);
		db.execute("INSERT INTO " + qualified + " VALUES ('it''s', 900, 'late'), ('new `k` \\'quoted\\'', 901, 'late')");
		TableFingerprint expected = new TableFingerprint(TableFingerprint.distinctRowsOf(db, table, table + "__migrating"),
				TableFingerprint.of(db, table).definition());
		assertThat(expected.checksum().rows()).isEqualTo(8);

		int exit = migrator().run(command);

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertMigratedExactly(table, expected);
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);
	}

	private Migrator migrator() {
		return new Migrator(ClickHouseStack.get(), this.workDir);
	}

	private static String[] command(String table, String... more) {
		return with(new String[] { "--mode", "single", "--db", DATABASE, "--table", table, "--s3-policy", "s3" }, more);
	}

	private static String[] with(String[] command, String... more) {
		return Stream.concat(Stream.of(command), Stream.of(more)).toArray(String[]::new);
	}

	/** Six rows in five partitions whose keys hold quotes, a backslash, a backtick, a dot and unicode; two parts in one. */
	private static void createTable(String table) {
		String qualified = Sql.qualified(db.name(), table);
		db.execute("CREATE TABLE " + qualified + " " + DEFINITION, "SYSTEM STOP MERGES " + qualified,
				"INSERT INTO " + qualified + " VALUES ('it''s', 1, 'a'), ('say \"hi\"', 2, 'b'), ('back\\\\slash', 3, 'c'), "
						+ "('back`tick', 4, 'd'), ('ü.dot é', 5, 'e')",
				"INSERT INTO " + qualified + " VALUES ('it''s', 6, 'f')");
		assertThat(db.client()
			.queryFirst("SELECT uniqExact(_partition_id) FROM " + qualified, (row) -> row.getInt(1))
			.orElseThrow()).isEqualTo(5);
	}

	private static void assertMigratedExactly(String table, TableFingerprint expected) {
		assertThat(TableFingerprint.of(db, table)).isEqualTo(expected);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("s3");
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		List<String> keys = db.client().query("SELECT DISTINCT k FROM " + Sql.qualified(db.name(), table) + " ORDER BY k",
				(row) -> row.getString(1));
		assertThat(keys).contains("it's", "say \"hi\"", "back\\slash", "back`tick", "ü.dot é");
	}

}
