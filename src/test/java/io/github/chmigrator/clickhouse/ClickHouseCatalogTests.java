package io.github.chmigrator.clickhouse;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.clickhouse.ClickHouseCatalog.VolumeRow;

import static org.assertj.core.api.Assertions.assertThat;

class ClickHouseCatalogTests {

	private static final Map<String, StoragePolicy.Disk> DISKS = Map.of("default",
			new StoragePolicy.Disk("default", "Local", false), "s3", new StoragePolicy.Disk("s3", "ObjectStorage", true));

	@Test
	void volumeRowsAreGroupedIntoPoliciesInPriorityOrder() {
		List<StoragePolicy> policies = ClickHouseCatalog.policies(List.of(new VolumeRow("default", "default", 1, List.of("default")),
				new VolumeRow("tiered", "default", 1, List.of("default")), new VolumeRow("tiered", "s3", 2, List.of("s3"))),
				DISKS);

		assertThat(policies).extracting(StoragePolicy::name).containsExactly("default", "tiered");
		assertThat(policies.get(1).volumes()).extracting(StoragePolicy.Volume::name).containsExactly("default", "s3");
		assertThat(policies.get(0).hasS3Disk()).isFalse();
		assertThat(policies.get(1).hasS3Disk()).isTrue();
		assertThat(policies.get(1).s3Disks()).containsExactly("s3");
	}

	@Test
	void diskMissingFromSystemDisksIsNotTakenForS3() {
		List<StoragePolicy> policies = ClickHouseCatalog.policies(List.of(new VolumeRow("odd", "main", 1, List.of("ghost"))),
				DISKS);

		assertThat(policies.get(0).volumes().get(0).disks()).containsExactly(new StoragePolicy.Disk("ghost", "unknown", false));
		assertThat(policies.get(0).hasS3Disk()).isFalse();
	}

	@Test
	void s3DisksAreRecognisedOnOldAndNewServers() {
		assertThat(ClickHouseCatalog.isS3("s3", null)).isTrue();
		assertThat(ClickHouseCatalog.isS3("S3_plain", "")).isTrue();
		assertThat(ClickHouseCatalog.isS3("ObjectStorage", "S3")).isTrue();
		assertThat(ClickHouseCatalog.isS3("ObjectStorage", "Azure")).isFalse();
		assertThat(ClickHouseCatalog.isS3("Local", "")).isFalse();
	}

	@Test
	void commaSeparatedDiskListsAreSplit() {
		assertThat(ClickHouseCatalog.split("default,s3")).containsExactly("default", "s3");
		assertThat(ClickHouseCatalog.split("")).isEmpty();
		assertThat(ClickHouseCatalog.split(null)).isEmpty();
	}

	@Test
	void mergeTreeFamilyAndReplicatedEnginesAreTold() {
		TableInfo summing = new TableInfo("db", "t", "SummingMergeTree", "", "default", "", 0, 0, "");
		TableInfo replicated = new TableInfo("db", "t", "ReplicatedMergeTree", "", "default", "", 0, 0, "");
		TableInfo log = new TableInfo("db", "t", "Log", "", "", "", 0, 0, "");

		assertThat(summing.isMergeTreeFamily()).isTrue();
		assertThat(summing.isReplicated()).isFalse();
		assertThat(replicated.isReplicated()).isTrue();
		assertThat(log.isMergeTreeFamily()).isFalse();
	}

	@Test
	void aServerIsIdentifiedByItsUuidAndWithoutOneByHostNameAndDataPath() {
		assertThat(ClickHouseCatalog.identity("6f1c2d3e-0000-4000-8000-000000000001", "node-1", "/var/lib/clickhouse/"))
			.isEqualTo("uuid:6f1c2d3e-0000-4000-8000-000000000001");
		String one = ClickHouseCatalog.identity(TableInfo.NO_UUID, "node-1", "/srv/one/clickhouse/");
		assertThat(one).matches("host:node-1:[0-9a-f]{12}")
			.isEqualTo(ClickHouseCatalog.identity(TableInfo.NO_UUID, "node-1", "/srv/one/clickhouse/"));
		assertThat(ClickHouseCatalog.identity(TableInfo.NO_UUID, "node-1", "/srv/two/clickhouse/")).as("another engine")
			.isNotEqualTo(one);
	}

}
