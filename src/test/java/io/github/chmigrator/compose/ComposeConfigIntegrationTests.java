package io.github.chmigrator.compose;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import io.github.chmigrator.clickhouse.PartitionInfo;
import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.clickhouse.StoragePolicy;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ClickHouse storage configuration docker-compose mounts is the one the integration tests run
 * (the local stack boots its engine with it, Testcontainers copies it in), and it works: the
 * {@code s3} policy writes parts to S3, the {@code tiered} policy moves them there.
 */
class ComposeConfigIntegrationTests {

	private static final Path COMPOSE_FILE = Path.of("docker-compose.yml");

	private static final String CONFIG_DIR = "/etc/clickhouse-server/config.d/";

	/** The policy every server has without configuration (unless the file redefines it). */
	private static final Map<String, List<String>> IMPLICIT_DEFAULT_POLICY = Map.of("default", List.of("default"));

	private static TestDatabase db;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_compose_config");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@Test
	void composeMountsAnExistingStorageConfigIntoClickHouse() {
		Path config = composeClickHouseConfig();

		assertThat(config).isRegularFile();
		assertThat(config.normalize()).isEqualTo(Path.of("src/compose/clickhouse/storage.xml"));
		assertThat(policiesOf(config)).containsKeys("s3", "tiered");
	}

	@Test
	void composeImagesAreTheOnesTheContainerStackRuns() throws Exception {
		String compose = Files.readString(COMPOSE_FILE, StandardCharsets.UTF_8);

		assertThat(imageOf(compose, "clickhouse")).isEqualTo(containerStackConstant("CLICKHOUSE_IMAGE"));
		assertThat(imageOf(compose, "minio")).isEqualTo(containerStackConstant("MINIO_IMAGE"));
	}

	@Test
	void serverHasExactlyThePoliciesVolumesAndDisksOfTheComposeConfig() {
		Map<String, Map<String, List<String>>> expected = policiesOf(composeClickHouseConfig());
		Map<String, Map<String, List<String>>> actual = new LinkedHashMap<>();
		db.catalog().storagePolicies().forEach((policy) -> actual.put(policy.name(), volumesOf(policy)));

		if (ClickHouseStack.get().kind().equals("CLICKHOUSE_URL")) {
			// someone else's server: it may have more policies, but must have the compose ones
			expected.forEach((name, volumes) -> assertThat(actual).containsEntry(name, volumes));
		}
		else {
			Map<String, Map<String, List<String>>> withDefault = new LinkedHashMap<>(expected);
			withDefault.putIfAbsent("default", IMPLICIT_DEFAULT_POLICY);
			assertThat(actual).containsExactlyInAnyOrderEntriesOf(withDefault);
		}
	}

	@Test
	void s3DiskIsAnS3ObjectStorageDisk() {
		List<StoragePolicy> policies = db.catalog().storagePolicies();
		Map<String, StoragePolicy.Disk> disks = policies.stream()
			.flatMap((policy) -> policy.volumes().stream())
			.flatMap((volume) -> volume.disks().stream())
			.collect(Collectors.toMap(StoragePolicy.Disk::name, (disk) -> disk, (a, b) -> a, LinkedHashMap::new));

		assertThat(disks.get("s3")).as("disk s3 in system.disks").isNotNull();
		assertThat(disks.get("s3").s3()).as("disk s3 (type %s) stores in S3", disks.get("s3").type()).isTrue();
		assertThat(disks.get("default").s3()).as("disk default is local").isFalse();
		assertThat(policy(policies, "s3").hasS3Disk()).isTrue();
		assertThat(policy(policies, "s3").s3Disks()).containsExactly("s3");
		assertThat(policy(policies, "tiered").hasS3Disk()).isTrue();
		assertThat(policy(policies, "default").hasS3Disk()).isFalse();
		String objectStorageType = db.client()
			.queryFirst("SELECT * FROM system.disks WHERE name = 's3'", (row) -> hasColumn(row, "object_storage_type")
					? row.getString("object_storage_type") : row.getString("type"))
			.orElseThrow();
		assertThat(objectStorageType).isEqualToIgnoringCase("s3");
	}

	@Test
	void tableOnTheS3PolicyWritesEveryPartToTheS3Disk() {
		db.execute("CREATE TABLE {db}.on_s3 (day Date, id UInt64, payload String) ENGINE = MergeTree "
				+ "PARTITION BY toYYYYMM(day) ORDER BY id SETTINGS storage_policy = 's3'",
				"INSERT INTO {db}.on_s3 SELECT toDate('2024-01-01') + number % 60, number, repeat('x', number % 50) "
						+ "FROM numbers(5000)");

		assertThat(db.catalog().table(db.name(), "on_s3").orElseThrow().storagePolicy()).isEqualTo("s3");
		assertThat(activePartDisks("on_s3")).isNotEmpty().allMatch("s3"::equals);
		assertThat(db.client().queryFirst("""
				SELECT count() FROM system.remote_data_paths
				WHERE disk_name = 's3' AND position(local_path, (SELECT toString(uuid) FROM system.tables
				      WHERE database = %s AND name = 'on_s3')) > 0""".formatted(Sql.literal(db.name())),
				(row) -> row.getLong(1)).orElseThrow()).as("objects of on_s3 in the S3 bucket").isPositive();
		assertThat(db.count("on_s3")).isEqualTo(5000);
		assertThat(db.client()
			.queryFirst("SELECT sum(id) FROM " + Sql.qualified(db.name(), "on_s3"), (row) -> row.getLong(1))
			.orElseThrow()).isEqualTo(4999L * 5000 / 2);
	}

	@Test
	void tieredPolicyMovesAPartitionToTheS3Volume() {
		db.execute("CREATE TABLE {db}.tiered (day Date, id UInt64) ENGINE = MergeTree "
				+ "PARTITION BY toYYYYMM(day) ORDER BY id SETTINGS storage_policy = 'tiered'",
				"INSERT INTO {db}.tiered SELECT toDate('2024-01-01') + number % 60, number FROM numbers(3000)");
		List<PartitionInfo> before = db.catalog().partitions(db.name(), "tiered");
		assertThat(before).extracting(PartitionInfo::partitionId).containsExactly("202401", "202402");
		assertThat(before).allSatisfy((partition) -> assertThat(partition.disks()).containsExactly("default"));

		db.execute("ALTER TABLE {db}.tiered MOVE PARTITION ID '202401' TO VOLUME 's3'");

		Map<String, List<String>> disksByPartition = new LinkedHashMap<>();
		db.catalog().partitions(db.name(), "tiered").forEach((partition) -> disksByPartition.put(partition.partitionId(), partition.disks()));
		assertThat(disksByPartition).containsExactly(Map.entry("202401", List.of("s3")),
				Map.entry("202402", List.of("default")));
		assertThat(db.count("tiered")).isEqualTo(3000);
	}

	@Test
	@SuppressWarnings("unchecked")
	void theMigratorServiceRunsThroughTheLauncherWithItsJobRepositoryOnPostgresAndItsFoldersMounted() {
		Map<String, Object> services = (Map<String, Object>) new org.yaml.snakeyaml.Yaml()
			.<Map<String, Object>>load(readCompose())
			.get("services");
		Map<String, Object> migrator = (Map<String, Object>) services.get("migrator");
		Map<String, Object> environment = (Map<String, Object>) migrator.get("environment");
		List<String> volumes = (List<String>) migrator.get("volumes");

		assertThat((List<String>) migrator.get("entrypoint")).containsExactly("/app/bin/clickhouse-migrator");
		assertThat(volumes).contains("./bin:/app/bin:ro", "./target/clickhouse-migrator.jar:/app/clickhouse-migrator.jar:ro",
				"./reports:/reports", "./logs:/logs");
		assertThat(Path.of("bin/clickhouse-migrator")).isExecutable();
		assertThat(environment).containsEntry("CLICKHOUSE_MIGRATOR_JAR", "/app/clickhouse-migrator.jar")
			.containsEntry("REPORT_PATH", "/reports")
			.containsEntry("LOG_PATH", "/logs");
		assertThat((String) environment.get("SPRING_DATASOURCE_URL")).startsWith("jdbc:postgresql://postgres:");
		assertThat(services).containsKeys("postgres", "clickhouse", "minio");
	}

	/**
	 * The README's compose command migrates {@code default.events}: the clickhouse service runs
	 * {@code init-events.sql} on a fresh stack, and that script makes a table of several partitions
	 * that the migrator moves to S3 (run here on the local engine, in a database of its own).
	 */
	@Test
	void theInitScriptMakesTheTableTheReadmesComposeCommandMigrates() throws IOException {
		String command = "docker compose run --rm migrator --mode single --db default --table events";
		assertThat(Files.readString(Path.of("README.md"))).contains(command);
		assertThat(readCompose()).contains(command);
		assertThat(volumesOf(serviceBlock(readCompose(), "clickhouse")))
			.contains("./src/compose/clickhouse/init-events.sql:/docker-entrypoint-initdb.d/init-events.sql:ro");
		String script = Files.readAllLines(Path.of("src/compose/clickhouse/init-events.sql"))
			.stream()
			.filter((line) -> !line.strip().startsWith("--"))
			.collect(Collectors.joining("\n"));
		assertThat(script).contains("CREATE TABLE IF NOT EXISTS default.events");

		for (String statement : script.split(";")) {
			if (!statement.isBlank()) {
				db.execute(statement.replace("default.events", Sql.qualified(db.name(), "events")));
			}
		}

		assertThat(db.count("events")).isEqualTo(60_000);
		assertThat(db.client()
			.queryFirst("SELECT uniqExact(partition_id) FROM system.parts WHERE database = " + Sql.literal(db.name())
					+ " AND table = 'events' AND active", (row) -> row.getLong(1))
			.orElseThrow()).isEqualTo(6);
		java.nio.file.Path workDir = Files.createTempDirectory("compose-events");
		assertThat(new io.github.chmigrator.support.Migrator(ClickHouseStack.get(), workDir).runTable(db, "events"))
			.isZero();
		assertThat(db.count("events")).isEqualTo(60_000);
		assertThat(io.github.chmigrator.support.TableFingerprint.disks(db, "events")).containsExactly("s3");
	}

	/** The host path docker-compose mounts into the clickhouse service's config.d, relative to the project. */
	static Path composeClickHouseConfig() {
		List<String> mounts = volumesOf(serviceBlock(readCompose(), "clickhouse"));
		List<Path> configs = mounts.stream()
			.filter((mount) -> mount.contains(":" + CONFIG_DIR))
			.map((mount) -> Path.of(mount.substring(0, mount.indexOf(":" + CONFIG_DIR))))
			.toList();
		assertThat(configs).as("mounts into %s of service clickhouse in %s: %s", CONFIG_DIR, COMPOSE_FILE, mounts)
			.hasSize(1);
		return configs.get(0);
	}

	private static String readCompose() {
		try {
			return Files.readString(COMPOSE_FILE, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new IllegalStateException("cannot read " + COMPOSE_FILE.toAbsolutePath(), ex);
		}
	}

	/** The lines of one service under {@code services:}, found by indentation. */
	static List<String> serviceBlock(String compose, String service) {
		List<String> block = new ArrayList<>();
		boolean inServices = false;
		int serviceIndent = -1;
		boolean inService = false;
		for (String line : compose.split("\\R")) {
			if (line.isBlank() || line.strip().startsWith("#")) {
				continue;
			}
			int indent = line.length() - line.stripLeading().length();
			if (indent == 0) {
				inServices = line.startsWith("services:");
				inService = false;
				continue;
			}
			if (!inServices) {
				continue;
			}
			if (serviceIndent < 0) {
				serviceIndent = indent;
			}
			if (indent == serviceIndent) {
				inService = line.strip().equals(service + ":");
				continue;
			}
			if (inService) {
				block.add(line);
			}
		}
		assertThat(block).as("service %s in %s", service, COMPOSE_FILE).isNotEmpty();
		return block;
	}

	/** The short-syntax entries of a service's {@code volumes:} list, unquoted. */
	static List<String> volumesOf(List<String> serviceBlock) {
		List<String> volumes = new ArrayList<>();
		int keyIndent = -1;
		boolean inVolumes = false;
		for (String line : serviceBlock) {
			int indent = line.length() - line.stripLeading().length();
			String text = line.strip();
			if (keyIndent < 0) {
				keyIndent = indent;
			}
			if (indent == keyIndent && !text.startsWith("-")) {
				inVolumes = text.equals("volumes:");
				continue;
			}
			if (inVolumes && text.startsWith("-")) {
				volumes.add(unquote(text.substring(1).strip()));
			}
		}
		return volumes;
	}

	private static String imageOf(String compose, String service) {
		return serviceBlock(compose, service).stream()
			.map(String::strip)
			.filter((line) -> line.startsWith("image:"))
			.map((line) -> unquote(line.substring("image:".length()).strip()))
			.findFirst()
			.orElseThrow(() -> new AssertionError("service " + service + " has no image"));
	}

	private static String unquote(String value) {
		if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
				|| value.startsWith("'") && value.endsWith("'"))) {
			return value.substring(1, value.length() - 1);
		}
		return value;
	}

	/** Policy name to (volume name to disk names), in file order (= volume priority). */
	static Map<String, Map<String, List<String>>> policiesOf(Path config) {
		Document document;
		try {
			DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
			factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
			document = factory.newDocumentBuilder().parse(config.toFile());
		}
		catch (Exception ex) {
			throw new IllegalStateException("cannot parse " + config, ex);
		}
		Element root = document.getDocumentElement();
		assertThat(root.getTagName()).isEqualTo("clickhouse");
		Element policies = child(child(root, "storage_configuration").orElseThrow(), "policies")
			.orElseThrow(() -> new AssertionError(config + " declares no <policies>"));
		Map<String, Map<String, List<String>>> result = new LinkedHashMap<>();
		for (Element policy : children(policies)) {
			Map<String, List<String>> volumes = new LinkedHashMap<>();
			for (Element volume : children(child(policy, "volumes").orElseThrow())) {
				volumes.put(volume.getTagName(), children(volume).stream()
					.filter((element) -> element.getTagName().equals("disk"))
					.map((element) -> element.getTextContent().strip())
					.toList());
			}
			result.put(policy.getTagName(), volumes);
		}
		return result;
	}

	private static Optional<Element> child(Element parent, String name) {
		return children(parent).stream().filter((element) -> element.getTagName().equals(name)).findFirst();
	}

	private static List<Element> children(Element parent) {
		List<Element> elements = new ArrayList<>();
		for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
			if (node instanceof Element element) {
				elements.add(element);
			}
		}
		return elements;
	}

	private static Map<String, List<String>> volumesOf(StoragePolicy policy) {
		Map<String, List<String>> volumes = new LinkedHashMap<>();
		policy.volumes()
			.forEach((volume) -> volumes.put(volume.name(),
					volume.disks().stream().map(StoragePolicy.Disk::name).toList()));
		return volumes;
	}

	private static StoragePolicy policy(List<StoragePolicy> policies, String name) {
		return policies.stream()
			.filter((policy) -> policy.name().equals(name))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no storage policy " + name));
	}

	private static List<String> activePartDisks(String table) {
		return db.client()
			.query("SELECT disk_name FROM system.parts WHERE active AND database = " + Sql.literal(db.name())
					+ " AND table = " + Sql.literal(table), (row) -> row.getString(1));
	}

	private static boolean hasColumn(java.sql.ResultSet row, String column) throws java.sql.SQLException {
		for (int i = 1; i <= row.getMetaData().getColumnCount(); i++) {
			if (row.getMetaData().getColumnName(i).equals(column)) {
				return true;
			}
		}
		return false;
	}

	/** A pinned image of the Testcontainers stack (package-private over there, read reflectively). */
	private static String containerStackConstant(String name) throws Exception {
		Class<?> type = Class.forName("io.github.chmigrator.support.ContainerStack", false,
				ComposeConfigIntegrationTests.class.getClassLoader());
		Field field = type.getDeclaredField(name);
		field.setAccessible(true);
		return (String) field.get(null);
	}

}
