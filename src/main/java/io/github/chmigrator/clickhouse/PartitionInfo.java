package io.github.chmigrator.clickhouse;

import java.util.List;

/**
 * The active parts of one partition, from {@code system.parts}.
 *
 * @param partitionId the partition id ({@code _partition_id}, {@code all} when unpartitioned)
 * @param partition the printable partition value as the server shows it
 * @param rows rows in active parts
 * @param bytes bytes on disk of active parts
 * @param parts number of active parts
 * @param disks the disks holding those parts, sorted
 */
public record PartitionInfo(String partitionId, String partition, long rows, long bytes, int parts,
		List<String> disks) {

	public PartitionInfo {
		disks = List.copyOf(disks);
	}

}
