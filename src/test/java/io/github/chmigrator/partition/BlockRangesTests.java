package io.github.chmigrator.partition;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.clickhouse.PartInfo;
import io.github.chmigrator.partition.BlockRanges.Status;

import static org.assertj.core.api.Assertions.assertThat;

class BlockRangesTests {

	private static final BlockRanges COPIED = BlockRanges.of(List.of(part("1_1_1_0", 1, 1), part("1_3_5_1", 3, 5)));

	@Test
	void aPartWithinACopiedRangeIsCopiedWhateverItsName() {
		assertThat(COPIED.classify(part("1_3_5_1", 3, 5))).isEqualTo(Status.COPIED);
		// the same rows rewritten by a mutation: same range, another data version
		assertThat(COPIED.classify(part("1_3_5_1_9", 3, 5))).isEqualTo(Status.COPIED);
		assertThat(COPIED.classify(part("1_4_4_0", 4, 4))).isEqualTo(Status.COPIED);
	}

	@Test
	void aPartOutsideEveryRangeIsNewAndOneAcrossARangeBoundIsMixed() {
		assertThat(COPIED.classify(part("1_6_6_0", 6, 6))).isEqualTo(Status.NEW);
		assertThat(COPIED.classify(part("1_2_2_0", 2, 2))).isEqualTo(Status.NEW);
		assertThat(COPIED.classify(part("1_5_6_1", 5, 6))).isEqualTo(Status.MIXED);
		// blocks 1 and 3..5 were copied, but block 2 may be a later insert: not provably copied
		assertThat(COPIED.classify(part("1_1_5_2", 1, 5))).isEqualTo(Status.MIXED);
	}

	@Test
	void aPartMergedFromCopiedPartsOnlyIsCopiedWhereMergesKeepEveryRow() {
		// blocks 1 and 3..5 hold 10 rows each; block 2 went to another partition
		assertThat(COPIED.classify(new PartInfo("1_1_5_2", "1", 1, 5, 20, false), true)).isEqualTo(Status.COPIED);
		// one row more: a later insert took block 2 in this partition
		assertThat(COPIED.classify(new PartInfo("1_1_5_2", "1", 1, 5, 21, false), true)).isEqualTo(Status.MIXED);
		// folding engines, TTL: the rows say nothing
		assertThat(COPIED.classify(new PartInfo("1_1_5_2", "1", 1, 5, 20, false), false)).isEqualTo(Status.MIXED);
		// across a range's bound, or from a part whose rows were not recorded
		assertThat(COPIED.classify(new PartInfo("1_1_4_2", "1", 1, 4, 20, false), true)).isEqualTo(Status.MIXED);
		assertThat(BlockRanges.parse("1-1,3-5:10").classify(new PartInfo("1_1_5_2", "1", 1, 5, 10, false), true))
			.isEqualTo(Status.MIXED);
	}

	@Test
	void rangesSurviveTheirTextFormAndAddUp() {
		assertThat(BlockRanges.parse(COPIED.format()).format()).isEqualTo("1-1:10,3-5:10");
		assertThat(BlockRanges.parse("1-1,3-5").format()).as("as recorded before rows were").isEqualTo("1-1,3-5");
		assertThat(BlockRanges.parse("").classify(part("1_1_1_0", 1, 1))).isEqualTo(Status.NEW);
		assertThat(COPIED.plus(BlockRanges.parse("6-7")).classify(part("1_6_7_1", 6, 7))).isEqualTo(Status.COPIED);
	}

	@Test
	void theCopiedPartsOfAPartitionAreSelectedInOrderUpToTheFirstMixedOne() {
		PartInfo copied = part("1_1_1_0", 1, 1);
		PartInfo later = part("1_6_6_0", 6, 6);
		PartInfo rewritten = part("1_3_5_1_9", 3, 5);
		PartInfo mixed = part("1_5_6_1", 5, 6);
		assertThat(CopiedSourceParts.select(List.of(copied, later, rewritten), COPIED))
			.isEqualTo(new CopiedSourceParts.Selection(List.of(copied, rewritten), null));
		assertThat(CopiedSourceParts.select(List.of(copied, mixed, rewritten), COPIED))
			.isEqualTo(new CopiedSourceParts.Selection(List.of(copied), mixed));
	}

	private static PartInfo part(String name, long min, long max) {
		return new PartInfo(name, "1", min, max, 10, false);
	}

}
