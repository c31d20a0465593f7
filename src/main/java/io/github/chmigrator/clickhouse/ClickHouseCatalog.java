package io.github.chmigrator.clickhouse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The catalog reads: databases, tables, partitions, storage policies and disks, read from the
 * {@code system} tables. The mapping from rows to records is pure and lives in the static methods.
 */
public class ClickHouseCatalog {

	private final ClickHouseClient client;

	private String serverIdentity;

	public ClickHouseCatalog(ClickHouseClient client) {
		this.client = client;
	}

	/** {@code host:port} the catalog reads from. */
	public String endpoint() {
		return this.client.endpoint();
	}

	public String serverVersion() {
		return this.client.queryFirst("SELECT version()", (row) -> row.getString(1)).orElse("unknown");
	}

	/**
	 * Who the server is, whatever name or address reaches it ({@code localhost}, {@code 127.0.0.1}
	 * and a DNS name are one server): {@code uuid:<serverUUID()>}, the UUID a server stores at its
	 * first start; where a server has none (an embedded engine reports zeros),
	 * {@code host:<hostName()>:<hash of its data path>}: engines on one machine differ by where their
	 * data lives, not by the address or port that reaches them. Read once per catalog.
	 */
	public synchronized String serverIdentity() {
		if (this.serverIdentity == null) {
			this.serverIdentity = this.client
				.queryFirst("SELECT toString(serverUUID()), hostName(), (SELECT any(path) FROM system.disks WHERE name = 'default')",
						(row) -> identity(row.getString(1), row.getString(2), row.getString(3)))
				.orElseThrow();
		}
		return this.serverIdentity;
	}

	static String identity(String serverUuid, String hostName, String dataPath) {
		if (!TableInfo.NO_UUID.equals(serverUuid)) {
			return "uuid:" + serverUuid;
		}
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(String.valueOf(dataPath).getBytes(StandardCharsets.UTF_8));
			return "host:" + hostName + ":" + HexFormat.of().formatHex(digest, 0, 6);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The engine of a database ({@code Atomic}, {@code Ordinary}, …), empty when it does not exist. */
	public Optional<String> databaseEngine(String database) {
		return this.client.queryFirst("SELECT engine FROM system.databases WHERE name = " + Sql.literal(database),
				(row) -> row.getString(1));
	}

	/** Whether the database is Atomic: its tables have UUIDs and swap with {@code EXCHANGE TABLES}. */
	public boolean isAtomic(String database) {
		return databaseEngine(database).filter("Atomic"::equals).isPresent();
	}

	public List<String> databases() {
		return this.client.query("SELECT name FROM system.databases ORDER BY name", (row) -> row.getString(1));
	}

	/** The tables of a database, by name. */
	public List<TableInfo> tables(String database) {
		return this.client.query(TABLES + " WHERE database = " + Sql.literal(database) + " ORDER BY name",
				ClickHouseCatalog::table);
	}

	/** Whether a table exists and is on the given storage policy. */
	public boolean isOnPolicy(String database, String table, String policy) {
		return table(database, table).map((info) -> info.storagePolicy().equals(policy)).orElse(false);
	}

	/** The clusters the server's configuration names ({@code system.clusters}). */
	public List<String> clusters() {
		return this.client.query("SELECT DISTINCT cluster FROM system.clusters ORDER BY cluster", (row) -> row.getString(1));
	}

	/** The hosts of every shard and replica of a cluster, in shard and replica order; empty for an unknown cluster. */
	public List<String> clusterHosts(String cluster) {
		return this.client.query("SELECT host_name FROM system.clusters WHERE cluster = " + Sql.literal(cluster)
				+ " ORDER BY shard_num, replica_num", (row) -> row.getString(1));
	}

	/** Whether an active part of the table (a patch part of lightweight updates too) lies on a disk other than these. */
	public boolean hasPartsOffDisks(String database, String table, Collection<String> disks) {
		return this.client.queryFirst("""
				SELECT 1 FROM system.parts
				WHERE database = %s AND table = %s AND active AND disk_name NOT IN (%s)
				LIMIT 1""".formatted(Sql.literal(database), Sql.literal(table),
				Sql.literals(disks)), (row) -> true).orElse(false);
	}

	public Optional<TableInfo> table(String database, String table) {
		return this.client.queryFirst(
				TABLES + " WHERE database = " + Sql.literal(database) + " AND name = " + Sql.literal(table),
				ClickHouseCatalog::table);
	}

	/**
	 * The storage policy of each of these tables that exists, by name, read at one instant (one
	 * query): cheaper than {@link #table} where only the policy matters.
	 */
	public Map<String, String> storagePolicies(String database, Collection<String> tables) {
		Map<String, String> policies = new HashMap<>();
		this.client.query("SELECT name, storage_policy FROM system.tables WHERE database = " + Sql.literal(database)
				+ " AND name IN (" + Sql.literals(tables) + ")",
				(row) -> policies.put(row.getString(1), row.getString(2)));
		return policies;
	}

	/** The views that read from a table ({@code system.tables.dependencies_*}), as {@code database.name}. */
	public List<String> dependentViews(String database, String table) {
		return this.client.query("""
				SELECT arrayJoin(arrayMap((d, t) -> concat(d, '.', t), dependencies_database, dependencies_table))
				FROM system.tables
				WHERE database = %s AND name = %s""".formatted(Sql.literal(database), Sql.literal(table)),
				(row) -> row.getString(1));
	}

	/** The detached parts of a table ({@code system.detached_parts}), by name. */
	public List<String> detachedParts(String database, String table) {
		return this.client.query("SELECT name FROM system.detached_parts WHERE database = " + Sql.literal(database)
				+ " AND table = " + Sql.literal(table) + " ORDER BY name", (row) -> row.getString(1));
	}

	/**
	 * The partitions of a table that have active data parts, ordered by partition id (patch parts of
	 * lightweight {@code UPDATE}s are not partitions of their own, see {@link Sql#DATA_PARTS}).
	 */
	public List<PartitionInfo> partitions(String database, String table) {
		return this.client.query("""
				SELECT partition_id, any(partition), sum(rows), sum(bytes_on_disk), count(),
				       arrayStringConcat(arraySort(groupUniqArray(disk_name)), ',')
				FROM system.parts
				WHERE database = %s AND table = %s AND active AND %s
				GROUP BY partition_id
				ORDER BY partition_id""".formatted(Sql.literal(database), Sql.literal(table), Sql.DATA_PARTS),
				ClickHouseCatalog::partition);
	}

	/** All storage policies with their volumes and the type of each disk. */
	public List<StoragePolicy> storagePolicies() {
		Map<String, StoragePolicy.Disk> disks = new LinkedHashMap<>();
		this.client.query("SELECT * FROM system.disks", ClickHouseCatalog::disk)
			.forEach((disk) -> disks.put(disk.name(), disk));
		List<VolumeRow> volumes = this.client.query("""
				SELECT policy_name, volume_name, volume_priority, arrayStringConcat(disks, ',')
				FROM system.storage_policies
				ORDER BY policy_name, volume_priority""",
				(row) -> new VolumeRow(row.getString(1), row.getString(2), row.getInt(3), split(row.getString(4))));
		return policies(volumes, disks);
	}

	/**
	 * The active parts of a table larger than a volume's {@code max_data_part_size}, which the
	 * volume refuses to reserve space for; none when the volume has no such limit.
	 */
	public List<String> partsTooLargeFor(String database, String table, String policy, String volume) {
		long max = this.client.queryFirst("SELECT max_data_part_size FROM system.storage_policies WHERE policy_name = "
				+ Sql.literal(policy) + " AND volume_name = " + Sql.literal(volume), (row) -> row.getLong(1)).orElse(0L);
		if (max <= 0) {
			return List.of();
		}
		return this.client.query("""
				SELECT name FROM system.parts
				WHERE database = %s AND table = %s AND active AND bytes_on_disk > %d
				ORDER BY name""".formatted(Sql.literal(database), Sql.literal(table), max), (row) -> row.getString(1));
	}

	public Optional<StoragePolicy> storagePolicy(String name) {
		return storagePolicies().stream().filter((policy) -> policy.name().equals(name)).findFirst();
	}

	private static final String TABLES = """
			SELECT database, name, engine, partition_key, storage_policy, create_table_query,
			       toUInt64(ifNull(total_rows, 0)), toUInt64(ifNull(total_bytes, 0)), toString(uuid)
			FROM system.tables""";

	static TableInfo table(ResultSet row) throws SQLException {
		return new TableInfo(row.getString(1), row.getString(2), row.getString(3), nullToEmpty(row.getString(4)),
				nullToEmpty(row.getString(5)), row.getString(6), row.getLong(7), row.getLong(8), row.getString(9));
	}

	static PartitionInfo partition(ResultSet row) throws SQLException {
		return new PartitionInfo(row.getString(1), row.getString(2), row.getLong(3), row.getLong(4), row.getInt(5),
				split(row.getString(6)));
	}

	static StoragePolicy.Disk disk(ResultSet row) throws SQLException {
		String objectStorageType = hasColumn(row, "object_storage_type") ? row.getString("object_storage_type") : "";
		String type = row.getString("type");
		return new StoragePolicy.Disk(row.getString("name"), type, isS3(type, objectStorageType));
	}

	/**
	 * Whether a disk keeps its data in S3. Servers before 24.x report {@code type = 's3'}; newer ones
	 * report {@code type = 'ObjectStorage'} with {@code object_storage_type = 'S3'}.
	 */
	public static boolean isS3(String type, String objectStorageType) {
		String t = nullToEmpty(type).toLowerCase();
		return t.equals("s3") || t.equals("s3_plain") || t.equals("s3_plain_rewritable")
				|| nullToEmpty(objectStorageType).equalsIgnoreCase("s3");
	}

	/** Groups volume rows (one per policy and volume, in priority order) into policies. */
	public static List<StoragePolicy> policies(List<VolumeRow> rows, Map<String, StoragePolicy.Disk> disks) {
		Map<String, List<StoragePolicy.Volume>> byPolicy = new LinkedHashMap<>();
		for (VolumeRow row : rows) {
			List<StoragePolicy.Disk> volumeDisks = row.disks()
				.stream()
				.map((name) -> disks.getOrDefault(name, new StoragePolicy.Disk(name, "unknown", false)))
				.toList();
			byPolicy.computeIfAbsent(row.policy(), (key) -> new ArrayList<>())
				.add(new StoragePolicy.Volume(row.volume(), row.priority(), volumeDisks));
		}
		return byPolicy.entrySet().stream().map((entry) -> new StoragePolicy(entry.getKey(), entry.getValue())).toList();
	}

	private static boolean hasColumn(ResultSet row, String column) throws SQLException {
		for (int i = 1; i <= row.getMetaData().getColumnCount(); i++) {
			if (row.getMetaData().getColumnName(i).equals(column)) {
				return true;
			}
		}
		return false;
	}

	static List<String> split(String commaSeparated) {
		return (commaSeparated == null || commaSeparated.isEmpty()) ? List.of()
				: Arrays.asList(commaSeparated.split(","));
	}

	private static String nullToEmpty(String value) {
		return (value != null) ? value : "";
	}

	/**
	 * One row of {@code system.storage_policies}.
	 *
	 * @param policy the policy name
	 * @param volume the volume name
	 * @param priority the volume priority
	 * @param disks the disk names of the volume
	 */
	public record VolumeRow(String policy, String volume, int priority, List<String> disks) {

	}

}
