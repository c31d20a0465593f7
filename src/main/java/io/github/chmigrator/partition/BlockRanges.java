package io.github.chmigrator.partition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

import io.github.chmigrator.clickhouse.PartInfo;

/**
 * The block ranges of the parts already copied from one partition, as kept in the
 * ExecutionContext ({@code 1-1,2-5}). A source part is <em>copied</em> when its range lies within
 * one of them, <em>new</em> when it overlaps none (inserted after the copy), and <em>mixed</em>
 * otherwise: a merge folded copied and new rows together, which no rule can split safely.
 *
 * @param ranges pairs of {@code [min, max]} block numbers
 */
public record BlockRanges(List<long[]> ranges) {

	public static final BlockRanges NONE = new BlockRanges(List.of());

	/** What a source part is, relative to what was copied. */
	public enum Status {

		COPIED, NEW, MIXED

	}

	public static BlockRanges of(Collection<PartInfo> parts) {
		return new BlockRanges(parts.stream().map((part) -> new long[] { part.minBlock(), part.maxBlock() }).toList());
	}

	public static BlockRanges parse(String text) {
		if (text == null || text.isBlank()) {
			return NONE;
		}
		List<long[]> ranges = new ArrayList<>();
		for (String range : text.split(",")) {
			String[] bounds = range.split("-");
			ranges.add(new long[] { Long.parseLong(bounds[0]), Long.parseLong(bounds[1]) });
		}
		return new BlockRanges(List.copyOf(ranges));
	}

	public String format() {
		return this.ranges.stream().map((range) -> range[0] + "-" + range[1]).collect(Collectors.joining(","));
	}

	public BlockRanges plus(BlockRanges other) {
		List<long[]> all = new ArrayList<>(this.ranges);
		all.addAll(other.ranges);
		return new BlockRanges(List.copyOf(all));
	}

	public Status classify(PartInfo part) {
		boolean overlaps = false;
		for (long[] range : this.ranges) {
			if (part.within(range[0], range[1])) {
				return Status.COPIED;
			}
			overlaps |= part.overlaps(range[0], range[1]);
		}
		return overlaps ? Status.MIXED : Status.NEW;
	}

}
