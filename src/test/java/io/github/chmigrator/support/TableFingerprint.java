package io.github.chmigrator.support;

import java.util.List;

import io.github.chmigrator.clickhouse.Checksum;
import io.github.chmigrator.clickhouse.DdlRewriter;
import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.clickhouse.TableOperations;

/**
 * What must not change when a table moves: its rows (count and a hash of every stored column)
 * and its definition except the storage policy. (The migrator itself compares raw rows, merges
 * stopped, with {@code --verify checksum}; this is the test's independent view.)
 *
 * @param checksum rows and hash
 * @param definition {@code SHOW CREATE TABLE} without name and storage policy
 */
public record TableFingerprint(Checksum checksum, String definition) {

	/**
	 * The test's own row hash, not the migrator's ({@code cityHash64}): over {@code tuple(…)}, so a
	 * NULL is hashed as a value and a row holding one is not skipped.
	 */
	private static final String ROW_HASH = "sipHash64";

	/**
	 * The fingerprint of a table's logical content. Engines whose merges fold rows (Summing,
	 * Replacing, Collapsing, Aggregating) are read with {@code FINAL} and aggregate states are
	 * finalized, so the fingerprint does not depend on which merges already ran.
	 */
	public static TableFingerprint of(TestDatabase db, String table) {
		TableOperations operations = new TableOperations(db.client());
		List<String> columns = storedColumns(db, table, true);
		String engine = db.catalog().table(db.name(), table).orElseThrow().engine();
		String folding = engine.equals("MergeTree") ? "" : " FINAL";
		Checksum checksum = db.client()
			.queryFirst("SELECT count(), toString(sum(" + ROW_HASH + "(tuple(" + String.join(", ", columns) + ")))) FROM "
					+ Sql.qualified(db.name(), table) + folding, (row) -> new Checksum(row.getLong(1), row.getString(2)))
			.orElseThrow();
		return new TableFingerprint(checksum, DdlRewriter.normalize(operations.showCreateTable(db.name(), table)));
	}

	/**
	 * Count and hash of the rows as stored, without {@code FINAL}: a row that a merge folded, or one
	 * stored twice, shows here where {@link #of} would hide it. Compare tables whose merges are
	 * stopped.
	 */
	public static Checksum rawRows(TestDatabase db, String table) {
		String list = String.join(", ", storedColumns(db, table, true));
		return db.client()
			.queryFirst("SELECT count(), toString(sum(" + ROW_HASH + "(tuple(" + list + ")))) FROM "
					+ Sql.qualified(db.name(), table), (row) -> new Checksum(row.getLong(1), row.getString(2)))
			.orElseThrow();
	}

	/** The disks holding the table's active parts. */
	public static List<String> disks(TestDatabase db, String table) {
		return db.client()
			.query("SELECT DISTINCT disk_name FROM system.parts WHERE database = "
					+ Sql.literal(db.name()) + " AND table = "
					+ Sql.literal(table) + " AND active ORDER BY disk_name",
					(row) -> row.getString(1));
	}

	/** The table's storage policy. */
	public static String policy(TestDatabase db, String table) {
		return db.catalog().table(db.name(), table).orElseThrow().storagePolicy();
	}

	/**
	 * Count and hash of the distinct rows found across the given tables (those that exist), by
	 * the stored columns of the first: when a table whose rows are all distinct is split between a
	 * source and a work table, this equals its {@link #checksum()} exactly when no row was lost
	 * and none was invented (a row in both counts once).
	 */
	public static Checksum distinctRowsOf(TestDatabase db, String... tables) {
		List<String> existing = db.tables();
		List<String> present = java.util.Arrays.stream(tables).filter(existing::contains).toList();
		String list = String.join(", ", storedColumns(db, present.get(0), false));
		String union = present.stream()
			.map((table) -> "SELECT " + list + " FROM " + Sql.qualified(db.name(), table))
			.collect(java.util.stream.Collectors.joining(" UNION ALL "));
		return db.client()
			.queryFirst("SELECT count(), toString(sum(" + ROW_HASH + "(tuple(" + list + ")))) FROM (SELECT DISTINCT " + list + " FROM ("
					+ union + "))", (row) -> new Checksum(row.getLong(1), row.getString(2)))
			.orElseThrow();
	}

	/**
	 * The table's stored columns (not ALIAS or EPHEMERAL), quoted, in table order; with
	 * {@code finalized}, aggregate states as their values.
	 */
	private static List<String> storedColumns(TestDatabase db, String table, boolean finalized) {
		return db.client()
			.query("SELECT name, type FROM system.columns WHERE database = " + Sql.literal(db.name()) + " AND table = "
					+ Sql.literal(table) + " AND default_kind NOT IN ('ALIAS', 'EPHEMERAL') ORDER BY position",
					(row) -> (finalized && row.getString(2).startsWith("AggregateFunction"))
							? "finalizeAggregation(" + Sql.identifier(row.getString(1)) + ")" : Sql.identifier(row.getString(1)));
	}

}
