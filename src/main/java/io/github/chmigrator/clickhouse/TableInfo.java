package io.github.chmigrator.clickhouse;

/**
 * One row of {@code system.tables}: what the migrator needs to know about a table.
 *
 * @param database the database
 * @param name the table name
 * @param engine the engine name without parameters, e.g. {@code SummingMergeTree}
 * @param partitionKey the PARTITION BY expression, empty when the table is not partitioned
 * @param storagePolicy the storage policy, empty for engines without one
 * @param createTableQuery the full {@code CREATE TABLE} statement as the server shows it
 * @param totalRows rows in active parts (0 when unknown)
 * @param totalBytes bytes on disk of active parts (0 when unknown)
 * @param uuid the table's UUID (Atomic databases; all zeros in Ordinary ones)
 */
public record TableInfo(String database, String name, String engine, String partitionKey, String storagePolicy,
		String createTableQuery, long totalRows, long totalBytes, String uuid) {

	/** The UUID of tables that have none (Ordinary databases). */
	public static final String NO_UUID = "00000000-0000-0000-0000-000000000000";

	public String qualifiedName() {
		return database + "." + name;
	}

	public boolean isMergeTreeFamily() {
		return engine.endsWith("MergeTree");
	}

	public boolean isReplicated() {
		return engine.startsWith("Replicated");
	}

}
