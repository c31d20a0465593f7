package io.github.chmigrator.clickhouse;

/**
 * Where one active data part is stored, from {@code system.parts}.
 *
 * @param name the part name
 * @param partitionId the partition id
 * @param disk the disk it is on
 * @param rows its rows as stored
 * @param bytes its size on disk
 * @param hash {@code hash_of_all_files}: equal before and after a part moves between disks
 */
public record PartPlacement(String name, String partitionId, String disk, long rows, long bytes, String hash) {

}
