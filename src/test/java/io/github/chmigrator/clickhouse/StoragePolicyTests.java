package io.github.chmigrator.clickhouse;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.clickhouse.StoragePolicy.Disk;
import io.github.chmigrator.clickhouse.StoragePolicy.Volume;

import static org.assertj.core.api.Assertions.assertThat;

/** ClickHouse's rule for changing a table's policy in place, and where an in-place migration moves parts. */
class StoragePolicyTests {

	private static final Disk LOCAL = new Disk("default", "Local", false);

	private static final Disk S3 = new Disk("s3", "ObjectStorage", true);

	private static final StoragePolicy DEFAULT = new StoragePolicy("default", List.of(new Volume("default", 1, List.of(LOCAL))));

	private static final StoragePolicy S3_ONLY = new StoragePolicy("s3", List.of(new Volume("main", 1, List.of(S3))));

	private static final StoragePolicy S3_FIRST = new StoragePolicy("s3_first",
			List.of(new Volume("s3", 1, List.of(S3)), new Volume("default", 2, List.of(LOCAL))));

	private static final StoragePolicy TIERED = new StoragePolicy("tiered",
			List.of(new Volume("default", 1, List.of(LOCAL)), new Volume("s3", 2, List.of(S3))));

	@Test
	void aPolicyWithEveryVolumeAndDiskOfTheCurrentOneCanReplaceIt() {
		assertThat(S3_FIRST.lacksToReplace(DEFAULT)).isEmpty();
		assertThat(TIERED.lacksToReplace(DEFAULT)).isEmpty();
		assertThat(DEFAULT.lacksToReplace(DEFAULT)).isEmpty();
	}

	@Test
	void aMissingVolumeOrDiskIsNamed() {
		assertThat(S3_ONLY.lacksToReplace(DEFAULT)).containsExactly("volume 'default' (disks [default])");
		StoragePolicy otherDisk = new StoragePolicy("other", List.of(new Volume("s3", 1, List.of(S3)),
				new Volume("default", 2, List.of(new Disk("fast", "Local", false)))));
		assertThat(otherDisk.lacksToReplace(DEFAULT)).containsExactly("disk 'default' in volume 'default'");
		assertThat(DEFAULT.lacksToReplace(S3_FIRST)).containsExactly("volume 's3' (disks [s3])");
	}

	@Test
	void partsMoveToTheFirstVolumeWhoseDisksAreAllS3() {
		assertThat(S3_FIRST.s3Volume()).map(Volume::name).contains("s3");
		assertThat(TIERED.s3Volume()).map(Volume::name).contains("s3");
		assertThat(DEFAULT.s3Volume()).isEmpty();
		assertThat(TIERED.firstVolume().s3()).isFalse();
		assertThat(S3_FIRST.firstVolume().s3()).isTrue();
	}

	@Test
	void backFromS3PartsMoveToTheFirstVolumeWhoseDisksAreAllLocal() {
		assertThat(TIERED.destination(false)).map(Volume::name).contains("default");
		assertThat(TIERED.lacksToReplace(S3_FIRST)).isEmpty();
		assertThat(S3_ONLY.destination(false)).isEmpty();
		assertThat(S3_ONLY.hasLocalDisk()).isFalse();
		assertThat(DEFAULT.hasLocalDisk()).isTrue();
	}

}
