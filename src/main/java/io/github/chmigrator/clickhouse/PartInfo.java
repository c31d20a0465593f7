package io.github.chmigrator.clickhouse;

import java.util.Optional;

/**
 * One active data part, from {@code system.parts}. The block range identifies the inserts a part
 * holds: a merge produces a part whose range covers the ranges of the parts it merged.
 *
 * @param name the part name
 * @param partitionId the partition id
 * @param minBlock the first block number it holds
 * @param maxBlock the last block number it holds
 * @param rows its rows as stored ({@code system.parts.rows}: lightweight-deleted ones included)
 * @param masked whether some of its rows are lightweight-deleted (a merge drops those)
 * @param hash {@code hash_of_all_files}: the same for a part a mutation did not touch (renamed with
 * the mutation's version, its files hard-linked); empty when not read
 */
public record PartInfo(String name, String partitionId, long minBlock, long maxBlock, long rows, boolean masked,
		String hash) {

	public PartInfo(String name, String partitionId, long minBlock, long maxBlock, long rows, boolean masked) {
		this(name, partitionId, minBlock, maxBlock, rows, masked, "");
	}

	/**
	 * A part as its name describes it ({@code <partition id>_<min block>_<max block>_<level>[_<mutation>]};
	 * partition ids hold no {@code _}), rows unknown; empty for a name of another shape.
	 */
	public static Optional<PartInfo> fromName(String name) {
		String[] fields = name.split("_");
		if (fields.length < 4 || fields.length > 5) {
			return Optional.empty();
		}
		try {
			return Optional.of(new PartInfo(name, fields[0], Long.parseLong(fields[1]), Long.parseLong(fields[2]), -1, true));
		}
		catch (NumberFormatException ex) {
			return Optional.empty();
		}
	}

	/** Whether this part holds any block of the given range. */
	public boolean overlaps(long min, long max) {
		return this.minBlock <= max && min <= this.maxBlock;
	}

	/** Whether this part holds only blocks of the given range. */
	public boolean within(long min, long max) {
		return min <= this.minBlock && this.maxBlock <= max;
	}

}
