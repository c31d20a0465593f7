package io.github.chmigrator.copy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.github.chmigrator.partition.PartitionBatches;
import io.github.chmigrator.partition.PartitionPlanner;
import io.github.chmigrator.partition.PlanOrderSplitter.Start;

import static org.assertj.core.api.Assertions.assertThat;

class CopyBatchGroupsTests {

	private final PartitionPlanner planner = new PartitionPlanner("d.t", List.of());

	private int index;

	@Test
	void consecutiveFreshSmallPartitionsAreBatchedUpToTheCountAndTheBytes() {
		List<Start> steps = List.of(fresh(10), fresh(10), fresh(10), fresh(10), fresh(10));
		assertThat(sizes(PartitionBatches.groups(steps, true, 2, 1000))).containsExactly(2, 2, 1);
		assertThat(sizes(PartitionBatches.groups(steps, true, 100, 25))).containsExactly(2, 2, 1);
		assertThat(sizes(PartitionBatches.groups(steps, true, 100, 1000))).containsExactly(5);
	}

	@Test
	void aLargePartitionOrOneWithARecordedStateOrAnImportedOneRunsAloneAndSplitsTheBatch() {
		Start copied = new Start(this.planner, this.index++, 10, false, new ExecutionContext());
		Start imported = new Start(this.planner, this.index++, 10, false, null);
		List<Start> steps = List.of(fresh(10), fresh(10), fresh(5000), fresh(10), copied, fresh(10), imported,
				fresh(10), fresh(10));
		List<List<Start>> groups = PartitionBatches.groups(steps, true, 100, 1000);
		assertThat(sizes(groups)).containsExactly(2, 1, 1, 1, 1, 1, 2);
		assertThat(groups.stream().flatMap(List::stream).toList()).as("plan order kept").isEqualTo(steps);
	}

	@Test
	void withoutBatchingEveryPartitionRunsAlone() {
		List<Start> steps = List.of(fresh(10), fresh(10), fresh(10));
		assertThat(sizes(PartitionBatches.groups(steps, false, 100, 1000))).containsExactly(1, 1, 1);
		assertThat(sizes(PartitionBatches.groups(steps, true, 1, 1000))).containsExactly(1, 1, 1);
		assertThat(sizes(PartitionBatches.groups(steps, true, 100, 0))).containsExactly(1, 1, 1);
		assertThat(PartitionBatches.groups(List.of(), true, 100, 1000)).isEmpty();
	}

	private Start fresh(long bytes) {
		return new Start(this.planner, this.index++, bytes, true, null);
	}

	private static List<Integer> sizes(List<List<Start>> groups) {
		List<Integer> sizes = new ArrayList<>();
		groups.forEach((group) -> sizes.add(group.size()));
		return sizes;
	}

}
