package io.github.chmigrator.clickhouse;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
	 * What this policy lacks to replace {@code current} in place ({@code ALTER TABLE … MODIFY SETTING
	 * storage_policy}): ClickHouse's rule ({@code StoragePolicy::checkCompatibleWith}) is that the new
	 * policy has every volume of the old one, by name, and each such volume every disk the old
	 * volume had. Empty when the change is allowed; otherwise one entry per missing volume or disk.
	 */
	public List<String> lacksToReplace(StoragePolicy current) {
		List<String> missing = new ArrayList<>();
		for (Volume old : current.volumes()) {
			Optional<Volume> same = volume(old.name());
			if (same.isEmpty()) {
				missing.add("volume '%s' (disks %s)".formatted(old.name(), old.diskNames()));
				continue;
			}
			for (String disk : old.diskNames()) {
				if (!same.get().diskNames().contains(disk)) {
					missing.add("disk '%s' in volume '%s'".formatted(disk, old.name()));
				}
			}
		}
		return missing;
	}

	public Optional<Volume> volume(String name) {
		return volumes.stream().filter((volume) -> volume.name().equals(name)).findFirst();
	}

	/**
	 * Where an in-place migration to S3 moves parts to: the first volume whose disks all store on
	 * S3; empty when there is none.
	 */
	public Optional<Volume> s3Volume() {
		return destination(true);
	}

	/**
	 * Where an in-place migration moves parts to: the first volume whose disks all store on S3
	 * ({@code toS3}), or all store locally (back from S3); empty when there is none.
	 */
	public Optional<Volume> destination(boolean toS3) {
		return volumes.stream()
			.filter((volume) -> !volume.disks().isEmpty() && volume.disks().stream().allMatch((disk) -> disk.s3() == toS3))
			.findFirst();
	}

	/** Whether any volume of the policy stores on a disk that is not an S3 disk. */
	public boolean hasLocalDisk() {
		return volumes.stream().flatMap((volume) -> volume.disks().stream()).anyMatch((disk) -> !disk.s3());
	}

	/** The volume new parts are written to (inserts, and merges when it has room). */
	public Volume firstVolume() {
		return volumes.get(0);
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

		public List<String> diskNames() {
			return disks.stream().map(Disk::name).toList();
		}

		public boolean s3() {
			return !disks.isEmpty() && disks.stream().allMatch(Disk::s3);
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
