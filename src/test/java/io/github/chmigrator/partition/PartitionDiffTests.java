package io.github.chmigrator.partition;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.clickhouse.PartInfo;
import io.github.chmigrator.partition.PartitionDiff.Kind;

import static org.assertj.core.api.Assertions.assertThat;

/** What a partition of a source kept whole needs, from its parts now against what was copied of it. */
class PartitionDiffTests {

	private static final List<PartInfo> COPIED_PARTS = List.of(part("1_1_1_0", 1, 1, 10), part("1_3_3_0", 3, 3, 10));

	private static final Set<String> NAMES = Set.of("1_1_1_0", "1_3_3_0");

	private static final BlockRanges COPIED = BlockRanges.of(COPIED_PARTS);

	@Test
	void theCopiedPartsUnchangedAreInStep() {
		assertThat(PartitionDiff.of(NAMES, COPIED, COPIED_PARTS, false).kind()).isEqualTo(Kind.IN_STEP);
	}

	@Test
	void onlyPartsInsertedSinceAreCopied() {
		PartInfo inserted = part("1_7_7_0", 7, 7, 5);

		PartitionDiff diff = PartitionDiff.of(NAMES, COPIED, List.of(COPIED_PARTS.get(0), COPIED_PARTS.get(1), inserted),
				false);

		assertThat(diff.kind()).isEqualTo(Kind.NEW_PARTS);
		assertThat(diff.newParts()).containsExactly(inserted);
	}

	@Test
	void aMutatedPartIsCopiedAgain() {
		// ALTER DELETE, lightweight DELETE, UPDATE: same blocks, a newer mutation version
		PartitionDiff diff = PartitionDiff.of(NAMES, COPIED, List.of(COPIED_PARTS.get(0), part("1_3_3_0_9", 3, 3, 8)),
				true);

		assertThat(diff.kind()).isEqualTo(Kind.RECOPY);
		assertThat(diff.reason()).contains("1_3_3_0_9");
	}

	@Test
	void copiedPartsMergedTogetherAreInStepOnlyWhereMergesKeepEveryRow() {
		List<PartInfo> merged = List.of(part("1_1_3_1", 1, 3, 20));

		assertThat(PartitionDiff.of(NAMES, COPIED, merged, true).kind()).isEqualTo(Kind.IN_STEP);
		// Replacing, Summing, Collapsing, TTL: the merge may have changed rows
		assertThat(PartitionDiff.of(NAMES, COPIED, merged, false).kind()).isEqualTo(Kind.RECOPY);
	}

	@Test
	void aMergeOfCopiedAndNewRowsIsCopiedAgain() {
		PartitionDiff diff = PartitionDiff.of(NAMES, COPIED, List.of(part("1_1_7_1", 1, 7, 25)), true);

		assertThat(diff.kind()).isEqualTo(Kind.RECOPY);
	}

	@Test
	void copiedBlocksGoneFromTheSourceAreCopiedAgain() {
		// DROP PART, DROP|DETACH PARTITION, TRUNCATE: nothing covers blocks 3-3 any more
		assertThat(PartitionDiff.of(NAMES, COPIED, List.of(COPIED_PARTS.get(0)), false).kind()).isEqualTo(Kind.RECOPY);
		assertThat(PartitionDiff.of(NAMES, COPIED, List.of(), false).reason()).contains("gone from the source");
		// REPLACE PARTITION: other parts under new block numbers
		assertThat(PartitionDiff.of(NAMES, COPIED, List.of(part("1_9_9_0", 9, 9, 20)), false).kind())
			.isEqualTo(Kind.RECOPY);
	}

	@Test
	void aPatchPartWrittenAfterTheCopyMakesItCopiedAgain() {
		String patch = "patch-8feeedf7588c601fd7f38da7fe68712b-1_4_4_0_3";

		assertThat(PartitionDiff.of(NAMES, COPIED, COPIED_PARTS, true, Set.of(), Set.of(patch)).kind())
			.isEqualTo(Kind.RECOPY);
		assertThat(PartitionDiff.of(NAMES, COPIED, COPIED_PARTS, true, Set.of(patch), Set.of(patch)).kind())
			.isEqualTo(Kind.IN_STEP);
	}

	@Test
	void aPartAMutationRenamedWithoutTouchingItIsInStep() {
		PartInfo copied = new PartInfo("1_3_3_0", "1", 3, 3, 10, false, "h1");
		Map<String, String> hashes = PartitionDiff.parseHashes(PartitionDiff.hashes(List.of(copied)));

		// same blocks and level, the mutation's version, the same files: hard-linked, untouched
		assertThat(PartitionDiff.of(Set.of("1_3_3_0"), hashes, BlockRanges.of(List.of(copied)),
				List.of(new PartInfo("1_3_3_0_9", "1", 3, 3, 10, false, "h1")), false, Set.of(), Set.of()).kind())
			.isEqualTo(Kind.IN_STEP);
		// rewritten by it: other files
		assertThat(PartitionDiff.of(Set.of("1_3_3_0"), hashes, BlockRanges.of(List.of(copied)),
				List.of(new PartInfo("1_3_3_0_9", "1", 3, 3, 9, false, "h2")), false, Set.of(), Set.of()).kind())
			.isEqualTo(Kind.RECOPY);
	}

	@Test
	void theMutationVersionIsReadFromThePartName() {
		assertThat(PartitionDiff.mutation("1_3_3_0")).isZero();
		assertThat(PartitionDiff.mutation("1_3_3_0_9")).isEqualTo(9);
	}

	private static PartInfo part(String name, long min, long max, long rows) {
		return new PartInfo(name, "1", min, max, rows, false);
	}

}
