package io.github.chmigrator.clickhouse;

import java.util.List;

/**
 * A storage policy from {@code system.storage_policies} with the type of each disk from
 * {@code system.disks}.
 *
 * @param name the policy name
 * @param volumes the volumes in priority order
 */
public record StoragePolicy(String name, List<Volume> volumes) {

	public StoragePolicy {
		volumes = List.copyOf(volumes);
	}

	/** Whether any volume of the policy stores on an S3 disk. */
	public boolean hasS3Disk() {
		return volumes.stream().flatMap((volume) -> volume.disks().stream()).anyMatch(Disk::s3);
	}

	/** Names of the disks that are S3 disks. */
	public List<String> s3Disks() {
		return volumes.stream().flatMap((volume) -> volume.disks().stream()).filter(Disk::s3).map(Disk::name).toList();
	}

	/**
	 * A volume of a policy.
	 *
	 * @param name the volume name
	 * @param priority the volume priority, 1 first
	 * @param disks the disks of the volume
	 */
	public record Volume(String name, int priority, List<Disk> disks) {

		public Volume {
			disks = List.copyOf(disks);
		}

	}

	/**
	 * A disk.
	 *
	 * @param name the disk name
	 * @param type the disk type as the server reports it (e.g. {@code Local}, {@code ObjectStorage})
	 * @param s3 whether the disk stores its data in S3
	 */
	public record Disk(String name, String type, boolean s3) {

	}

}
