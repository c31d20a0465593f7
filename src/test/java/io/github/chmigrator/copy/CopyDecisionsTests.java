package io.github.chmigrator.copy;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.copy.CopyPartitionTasklet.Attempt;

import static org.assertj.core.api.Assertions.assertThat;

class CopyDecisionsTests {

	@Test
	void aCopyIsRecordedOnlyWhenTheWorkPartitionHoldsTheListedRows() {
		assertThat(Attempt.after(1, 100, 100)).isEqualTo(Attempt.RECORD);
		assertThat(Attempt.after(4, 0, 0)).isEqualTo(Attempt.RECORD);
		assertThat(Attempt.after(1, 99, 100)).isEqualTo(Attempt.AGAIN);
		assertThat(Attempt.after(2, 101, 100)).isEqualTo(Attempt.AGAIN);
	}

	@Test
	void aPartitionThatKeepsChangingIsCopiedWithInsertThenFails() {
		assertThat(Attempt.after(Attempt.MAX, 99, 100)).isEqualTo(Attempt.AGAIN_WITH_INSERT);
		assertThat(Attempt.after(Attempt.MAX + 1, 99, 100)).isEqualTo(Attempt.GIVE_UP);
	}

	@Test
	void aWorkPartitionIsNeverClearedWhenItMayHoldTheOnlyCopyOfRows() {
		assertThat(CopyPartitionTasklet.unsafeToClear(0, 0, 100, true, false)).as("nothing to lose").isFalse();
		assertThat(CopyPartitionTasklet.unsafeToClear(40, 100, 100, false, false)).as("a partial copy, source whole").isFalse();
		assertThat(CopyPartitionTasklet.unsafeToClear(40, 120, 100, false, false)).as("source grew since planning").isFalse();
		assertThat(CopyPartitionTasklet.unsafeToClear(40, 60, 100, false, false)).as("source parts may be gone").isTrue();
		assertThat(CopyPartitionTasklet.unsafeToClear(40, 100, 100, true, false)).as("already swapped").isTrue();
		assertThat(CopyPartitionTasklet.unsafeToClear(40, 0, 100, false, true))
			.as("a batch's unrecorded copy, then the operator detached the partition").isFalse();
		assertThat(CopyPartitionTasklet.unsafeToClear(40, 0, 100, true, true)).as("already swapped").isTrue();
	}

}
