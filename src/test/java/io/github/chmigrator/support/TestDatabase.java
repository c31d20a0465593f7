package io.github.chmigrator.support;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.ClickHouseClient;
import io.github.chmigrator.clickhouse.ClickHouseSettings;
import io.github.chmigrator.clickhouse.Sql;

/** A scratch database on the test stack, dropped and created anew for each test class. */
public final class TestDatabase implements AutoCloseable {

	private final String name;

	private final ClickHouseClient client;

	public TestDatabase(ClickHouseStack stack, String name) {
		this.name = name;
		this.client = new ClickHouseClient(settings(stack), 4);
		this.client.execute("DROP DATABASE IF EXISTS " + Sql.identifier(name) + " SYNC");
		this.client.execute("CREATE DATABASE " + Sql.identifier(name));
	}

	public static ClickHouseSettings settings(ClickHouseStack stack) {
		// the test plays the operator: its statements are not marked as the migrator's in system.query_log
		Map<String, String> properties = new HashMap<>(stack.driverProperties());
		properties.put(ClickHouseClient.LOG_COMMENT_PROPERTY, "operator");
		return new ClickHouseSettings(stack.host(), stack.port(), stack.user(), stack.password(), properties,
				Duration.ofSeconds(5), 0, Duration.ofMillis(100));
	}

	public String name() {
		return this.name;
	}

	public ClickHouseClient client() {
		return this.client;
	}

	public ClickHouseCatalog catalog() {
		return new ClickHouseCatalog(this.client);
	}

	/** Runs statements in order; {@code {db}} stands for the quoted database name. */
	public void execute(String... statements) {
		for (String statement : statements) {
			this.client.execute(statement.replace("{db}", Sql.identifier(this.name)));
		}
	}

	/**
	 * Creates {@code (p UInt8, id UInt64, s String)}, partitioned by {@code p}, ordered by {@code id},
	 * with {@code rows} distinct ids over {@code partitions} partitions of two parts each.
	 * @param settings table settings to add, empty for none
	 */
	public void createPartitionedTable(String table, int partitions, long rows, String settings) {
		String qualified = Sql.qualified(this.name, table);
		execute("CREATE TABLE " + qualified + " (p UInt8, id UInt64, s String) ENGINE = MergeTree PARTITION BY p ORDER BY id"
				+ (settings.isEmpty() ? "" : " SETTINGS " + settings),
				"INSERT INTO " + qualified + " SELECT number % " + partitions + ", number, toString(number) FROM numbers("
						+ rows / 2 + ")",
				"INSERT INTO " + qualified + " SELECT number % " + partitions + ", number, toString(number) FROM numbers("
						+ rows / 2 + ", " + (rows - rows / 2) + ")");
	}

	public long count(String table) {
		return this.client.queryFirst("SELECT count() FROM " + Sql.qualified(this.name, table), (row) -> row.getLong(1))
			.orElseThrow();
	}

	/** The rows of a table that match a condition. */
	public long count(String table, String where) {
		return this.client.queryFirst("SELECT count() FROM " + Sql.qualified(this.name, table) + " WHERE " + where,
				(row) -> row.getLong(1)).orElseThrow();
	}

	public List<String> tables() {
		return this.client.query("SELECT name FROM system.tables WHERE database = " + Sql.literal(this.name)
				+ " ORDER BY name", (row) -> row.getString(1));
	}

	/**
	 * Whether background merges are stopped on a table ({@code SYSTEM STOP MERGES}), which no
	 * system table shows: {@code OPTIMIZE … FINAL} then refuses with "Cancelled merging parts".
	 * Merges the table's parts when they run (rows stay the same).
	 */
	public boolean mergesStopped(String table) {
		try {
			this.client.execute("OPTIMIZE TABLE " + Sql.qualified(this.name, table) + " FINAL SETTINGS optimize_throw_if_noop = 1");
			return false;
		}
		catch (RuntimeException ex) {
			if (String.valueOf(ex.getMessage()).contains("Cancelled merging parts")) {
				return true;
			}
			throw ex;
		}
	}

	@Override
	public void close() {
		this.client.execute("DROP DATABASE IF EXISTS " + Sql.identifier(this.name) + " SYNC");
		this.client.close();
	}

}
