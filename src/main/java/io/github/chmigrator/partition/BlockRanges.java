package io.github.chmigrator.partition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

import io.github.chmigrator.clickhouse.PartInfo;

/**
 * The block ranges of the parts already copied from one partition, as kept in the
 * ExecutionContext ({@code 1-1:120,2-5:40}: the range, and the rows the part stored when none of
 * them was lightweight-deleted). A source part is <em>copied</em> when its range lies within one of
 * them, <em>new</em> when it overlaps none (inserted after the copy), and <em>mixed</em> otherwise: a
 * merge folded copied and new rows together, which no rule can split safely.
 *
 * <p>One exception, where merges keep every row ({@link #classify(PartInfo, boolean)}): a part
 * whose range spans several copied ranges and holds exactly their rows was merged from those copied
 * parts only. One INSERT into several partitions gives each partition's part its own block number,
 * so the copied parts of a partition leave gaps that belong to other partitions; a later insert
 * into this partition that took a number in a gap would add its rows to the merged part.
 *
 * @param ranges triples of {@code [min, max, rows]}, rows -1 when unknown
 */
public record BlockRanges(List<long[]> ranges) {

	public static final BlockRanges NONE = new BlockRanges(List.of());

	/** What a source part is, relative to what was copied. */
	public enum Status {

		COPIED, NEW, MIXED

	}

	public static BlockRanges of(Collection<PartInfo> parts) {
		return new BlockRanges(parts.stream()
			.map((part) -> new long[] { part.minBlock(), part.maxBlock(), part.masked() ? -1 : part.rows() })
			.toList());
	}

	public static BlockRanges parse(String text) {
		if (text == null || text.isBlank()) {
			return NONE;
		}
		List<long[]> ranges = new ArrayList<>();
		for (String range : text.split(",")) {
			String[] rows = range.split(":");
			String[] bounds = rows[0].split("-");
			ranges.add(new long[] { Long.parseLong(bounds[0]), Long.parseLong(bounds[1]),
					(rows.length > 1) ? Long.parseLong(rows[1]) : -1 });
		}
		return new BlockRanges(List.copyOf(ranges));
	}

	public String format() {
		return this.ranges.stream()
			.map((range) -> range[0] + "-" + range[1] + ((range[2] >= 0) ? ":" + range[2] : ""))
			.collect(Collectors.joining(","));
	}

	public BlockRanges plus(BlockRanges other) {
		List<long[]> all = new ArrayList<>(this.ranges);
		all.addAll(other.ranges);
		return new BlockRanges(List.copyOf(all));
	}

	public Status classify(PartInfo part) {
		return classify(part, false);
	}

	/**
	 * @param mergesKeepRows whether a merge of the table keeps every row it merges (a plain
	 * {@code MergeTree} without TTL): a part spanning several copied ranges that holds exactly their
	 * rows is then recognised as merged from copied parts only
	 */
	public Status classify(PartInfo part, boolean mergesKeepRows) {
		boolean overlaps = false;
		boolean spansWhole = true;
		long rows = 0;
		for (long[] range : this.ranges) {
			if (part.within(range[0], range[1])) {
				return Status.COPIED;
			}
			if (part.overlaps(range[0], range[1])) {
				overlaps = true;
				spansWhole &= part.minBlock() <= range[0] && range[1] <= part.maxBlock() && range[2] >= 0;
				rows += Math.max(range[2], 0);
			}
		}
		if (!overlaps) {
			return Status.NEW;
		}
		return (mergesKeepRows && spansWhole && !part.masked() && rows == part.rows()) ? Status.COPIED : Status.MIXED;
	}

}
