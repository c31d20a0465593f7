package io.github.chmigrator.partition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.github.chmigrator.clickhouse.PartInfo;

/**
 * How one partition of the source stands against what the work table holds of it, decided from
 * {@code system.parts} alone (no log): the names and block ranges of the source parts that were
 * copied (by the worker, a re-copy or a catch-up) against the source's active parts now.
 * <ul>
 * <li>{@link Kind#IN_STEP}: every active part was copied, and every copied part is still there
 * (or, where merges keep every row, merged only with other copied parts);</li>
 * <li>{@link Kind#NEW_PARTS}: as above, plus parts whose blocks lie outside every copied range
 * (inserts, re-attached parts): only those are copied;</li>
 * <li>{@link Kind#RECOPY}: anything else. A copied block range no active part covers any more
 * ({@code DROP|DETACH|REPLACE PARTITION}, {@code DROP PART}, {@code TRUNCATE}, a TTL that dropped a
 * part); a part covering copied blocks under a name that was not copied, with a newer mutation
 * version (a mutation: {@code ALTER UPDATE/DELETE}, lightweight {@code DELETE}, {@code MODIFY
 * COLUMN}, {@code MATERIALIZE …}) or from a merge that may change rows (Replacing, Summing,
 * Aggregating, Collapsing engines, TTL, lightweight-deleted rows purged); a part that merged copied
 * rows with new ones. The partition is copied again from the source as it is now: re-copying the
 * whole source partition is exact where replaying the change on the work table is not.</li>
 * </ul>
 *
 * @param kind what to do
 * @param newParts the parts to copy, for {@link Kind#NEW_PARTS}
 * @param reason why, for {@link Kind#RECOPY}, as a log line reads it
 */
public record PartitionDiff(Kind kind, List<PartInfo> newParts, String reason) {

	/** What a partition needs. */
	public enum Kind {

		IN_STEP, NEW_PARTS, RECOPY

	}

	private static final PartitionDiff IN_STEP = new PartitionDiff(Kind.IN_STEP, List.of(), "");

	/**
	 * @param copiedNames the names of the source parts copied
	 * @param copied their block ranges (with their rows where known)
	 * @param current the partition's active parts now
	 * @param mergesKeepRows whether the table's merges keep every row (a plain {@code MergeTree}
	 * without TTL): a merge of copied parts then changes nothing that was copied
	 */
	public static PartitionDiff of(Set<String> copiedNames, BlockRanges copied, Collection<PartInfo> current,
			boolean mergesKeepRows) {
		return of(copiedNames, copied, current, mergesKeepRows, Set.of(), Set.of());
	}

	/**
	 * {@link #of(Set, BlockRanges, Collection, boolean)}, and the partition's patch parts (lightweight
	 * {@code UPDATE}s): one that was not there when the partition was copied changed rows already
	 * copied, so the partition is copied again ({@code INSERT … SELECT} reads the rows patched).
	 * @param copiedPatches the partition's patch parts when it was copied
	 * @param currentPatches its patch parts now
	 */
	public static PartitionDiff of(Set<String> copiedNames, BlockRanges copied, Collection<PartInfo> current,
			boolean mergesKeepRows, Set<String> copiedPatches, Set<String> currentPatches) {
		return of(copiedNames, Map.of(), copied, current, mergesKeepRows, copiedPatches, currentPatches);
	}

	/**
	 * {@link #of(Set, BlockRanges, Collection, boolean, Set, Set)}, knowing the copied parts'
	 * {@code hash_of_all_files}: a part a mutation renamed without touching it (same blocks and
	 * level, its files hard-linked) has the same hash as the part copied, and needs nothing.
	 * @param copiedHashes the copied parts' hashes by name
	 */
	public static PartitionDiff of(Set<String> copiedNames, Map<String, String> copiedHashes, BlockRanges copied,
			Collection<PartInfo> current, boolean mergesKeepRows, Set<String> copiedPatches, Set<String> currentPatches) {
		for (String patch : currentPatches) {
			if (!copiedPatches.contains(patch)) {
				return recopy("a lightweight UPDATE wrote patch part " + patch);
			}
		}
		List<PartInfo> fresh = new ArrayList<>();
		for (PartInfo part : current) {
			BlockRanges.Status status = copied.classify(part, mergesKeepRows);
			if (status == BlockRanges.Status.NEW) {
				fresh.add(part);
			}
			else if (status == BlockRanges.Status.MIXED) {
				return recopy("part " + part.name() + " holds copied rows merged with newer ones");
			}
			else if (!copiedNames.contains(part.name()) && !untouched(part, copiedHashes)
					&& !(mergesKeepRows && mergedOnly(part, copiedNames))) {
				return recopy("part " + part.name() + " rewrote copied rows (a mutation, or a merge that changes rows)");
			}
		}
		for (long[] range : copied.ranges()) {
			if (current.stream().noneMatch((part) -> covers(part, range))) {
				return recopy("copied blocks " + range[0] + "-" + range[1]
						+ " are gone from the source (a partition or part dropped, detached, replaced or truncated)");
			}
		}
		return fresh.isEmpty() ? IN_STEP : new PartitionDiff(Kind.NEW_PARTS, List.copyOf(fresh), "");
	}

	/** A partition copied from nothing yet (its copy was deferred), or whose work table was rebuilt. */
	public static PartitionDiff recopy(String reason) {
		return new PartitionDiff(Kind.RECOPY, List.of(), reason);
	}

	/** Whether a copied part of the same blocks and level has the same files: a mutation renamed it, touching nothing. */
	private static boolean untouched(PartInfo part, Map<String, String> copiedHashes) {
		if (part.hash().isEmpty()) {
			return false;
		}
		String base = base(part.name());
		return copiedHashes.entrySet()
			.stream()
			.anyMatch((copied) -> base(copied.getKey()).equals(base) && part.hash().equals(copied.getValue()));
	}

	/** A part's name without its mutation version: {@code <partition>_<min>_<max>_<level>}. */
	private static String base(String name) {
		String[] fields = name.split("_");
		return (fields.length == 5) ? name.substring(0, name.lastIndexOf('_')) : name;
	}

	/** The parts' hashes as a record keeps them: {@code name:hash}, comma-separated. */
	public static String hashes(Collection<PartInfo> parts) {
		return parts.stream()
			.map((part) -> part.name() + ":" + part.hash())
			.collect(Collectors.joining(","));
	}

	/** {@link #hashes(Collection)} read back, by name. */
	public static Map<String, String> parseHashes(String text) {
		Map<String, String> hashes = new HashMap<>();
		for (String entry : text.split(",")) {
			int colon = entry.indexOf(':');
			if (colon > 0) {
				hashes.put(entry.substring(0, colon), entry.substring(colon + 1));
			}
		}
		return hashes;
	}

	private static boolean covers(PartInfo part, long[] range) {
		return part.minBlock() <= range[0] && range[1] <= part.maxBlock();
	}

	/**
	 * Whether a part that covers copied blocks under another name was merged from copied parts only,
	 * with no mutation newer than theirs: its mutation version is at most the highest among the
	 * copied parts within its range.
	 */
	private static boolean mergedOnly(PartInfo part, Set<String> copiedNames) {
		long newest = 0;
		for (String name : copiedNames) {
			PartInfo copied = PartInfo.fromName(name).orElse(null);
			if (copied != null && part.overlaps(copied.minBlock(), copied.maxBlock())) {
				newest = Math.max(newest, mutation(name));
			}
		}
		return mutation(part.name()) <= newest;
	}

	/** The mutation version in a part's name ({@code <partition>_<min>_<max>_<level>[_<mutation>]}), 0 without one. */
	static long mutation(String name) {
		String[] fields = name.split("_");
		return (fields.length == 5) ? Long.parseLong(fields[4]) : 0;
	}

}
