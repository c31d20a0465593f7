package io.github.chmigrator.copy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.step.StepExecution;

import io.github.chmigrator.partition.PartitionPlanner;

import static org.assertj.core.api.Assertions.assertThat;

class CopyBatchGroupsTests {

	private final JobExecution job = new JobExecution(1, new JobInstance(1, "migrateTable"), new JobParameters());

	private long ids;

	@Test
	void consecutiveFreshSmallPartitionsAreBatchedUpToTheCountAndTheBytes() {
		List<StepExecution> steps = List.of(fresh(10), fresh(10), fresh(10), fresh(10), fresh(10));
		assertThat(sizes(CopyBatch.groups(steps, true, 2, 1000))).containsExactly(2, 2, 1);
		assertThat(sizes(CopyBatch.groups(steps, true, 100, 25))).containsExactly(2, 2, 1);
		assertThat(sizes(CopyBatch.groups(steps, true, 100, 1000))).containsExactly(5);
	}

	@Test
	void aLargePartitionOrOneWithARecordedStateRunsAloneAndSplitsTheBatch() {
		StepExecution copied = fresh(10);
		copied.getExecutionContext().putString(PartitionPlanner.STATE, PartitionPlanner.COPIED);
		StepExecution imported = fresh(10);
		imported.getExecutionContext().putString(PartitionPlanner.IMPORTED, "true");
		List<StepExecution> steps = List.of(fresh(10), fresh(10), fresh(5000), fresh(10), copied, fresh(10), imported,
				fresh(10), fresh(10));
		List<List<StepExecution>> groups = CopyBatch.groups(steps, true, 100, 1000);
		assertThat(sizes(groups)).containsExactly(2, 1, 1, 1, 1, 1, 2);
		assertThat(groups.stream().flatMap(List::stream).toList()).as("plan order kept").isEqualTo(steps);
	}

	@Test
	void withoutBatchingEveryPartitionRunsAlone() {
		List<StepExecution> steps = List.of(fresh(10), fresh(10), fresh(10));
		assertThat(sizes(CopyBatch.groups(steps, false, 100, 1000))).containsExactly(1, 1, 1);
		assertThat(sizes(CopyBatch.groups(steps, true, 1, 1000))).containsExactly(1, 1, 1);
		assertThat(sizes(CopyBatch.groups(steps, true, 100, 0))).containsExactly(1, 1, 1);
		assertThat(CopyBatch.groups(List.of(), true, 100, 1000)).isEmpty();
	}

	private StepExecution fresh(long bytes) {
		StepExecution step = new StepExecution(++this.ids, "copyPartition:p" + this.ids, this.job);
		step.getExecutionContext().putString(PartitionPlanner.PARTITION_ID, String.valueOf(this.ids));
		step.getExecutionContext().putLong(PartitionPlanner.PLANNED_BYTES, bytes);
		return step;
	}

	private static List<Integer> sizes(List<List<StepExecution>> groups) {
		List<Integer> sizes = new ArrayList<>();
		groups.forEach((group) -> sizes.add(group.size()));
		return sizes;
	}

}
