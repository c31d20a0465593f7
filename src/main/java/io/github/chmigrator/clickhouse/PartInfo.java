package io.github.chmigrator.clickhouse;

/**
 * One active data part, from {@code system.parts}. The block range identifies the inserts a part
 * holds: a merge produces a part whose range covers the ranges of the parts it merged.
 *
 * @param name the part name
 * @param partitionId the partition id
 * @param minBlock the first block number it holds
 * @param maxBlock the last block number it holds
 * @param rows its rows
 */
public record PartInfo(String name, String partitionId, long minBlock, long maxBlock, long rows) {

	/** Whether this part holds any block of the given range. */
	public boolean overlaps(long min, long max) {
		return this.minBlock <= max && min <= this.maxBlock;
	}

	/** Whether this part holds only blocks of the given range. */
	public boolean within(long min, long max) {
		return min <= this.minBlock && this.maxBlock <= max;
	}

}
