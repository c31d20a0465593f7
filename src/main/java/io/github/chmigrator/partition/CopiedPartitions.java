package io.github.chmigrator.partition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.github.chmigrator.clickhouse.PartitionInfo;

/**
 * What the copy workers recorded for every planned partition of a job instance, across all its
 * executions (a partition completed by the first run and skipped by the restart still counts).
 */
public final class CopiedPartitions {

	private CopiedPartitions() {
	}

	/**
	 * One planned partition and the last record of its worker.
	 *
	 * @param planned the partition as planned
	 * @param status the worker's last status, {@code null} when it never ran
	 * @param context the worker's last ExecutionContext (empty when it never ran)
	 */
	public record CopiedPartition(PartitionInfo planned, BatchStatus status, ExecutionContext context) {

		public boolean done() {
			return this.status == BatchStatus.COMPLETED
					&& PartitionPlanner.DONE.equals(this.context.getString(PartitionPlanner.STATE, ""));
		}

		public long copiedRows() {
			return this.context.getLong(PartitionPlanner.COPIED_ROWS, 0);
		}

		/** When this partition's copied rows were in flight ({@link MoveWindows}); none before its copy. */
		public MoveWindows window() {
			String state = this.context.getString(PartitionPlanner.STATE, "");
			if (state.isEmpty()) {
				return MoveWindows.NONE;
			}
			// a record without times (an earlier version's) could be anywhere in time
			return MoveWindows.of(this.context.getLong(PartitionPlanner.COPY_STARTED_AT, 0),
					this.context.getLong(PartitionPlanner.MOVED_AT, Long.MAX_VALUE));
		}

		public BlockRanges blocks() {
			return BlockRanges.parse(this.context.getString(PartitionPlanner.COPIED_BLOCKS, ""));
		}

	}

	public static List<CopiedPartition> load(JobRepository repository, JobExecution jobExecution) {
		Map<String, StepExecution> workers = lastWorkers(repository, jobExecution.getJobInstance());
		List<CopiedPartition> partitions = new ArrayList<>();
		for (PartitionInfo planned : Plan.fromContext(jobExecution.getExecutionContext().get(PartitionPlanner.PLAN))) {
			StepExecution last = workers.get(PartitionPlanner.partitionName(planned.partitionId()));
			partitions.add(new CopiedPartition(planned, (last != null) ? last.getStatus() : null,
					(last != null) ? last.getExecutionContext() : new ExecutionContext()));
		}
		return partitions;
	}

	/**
	 * The last execution of every worker step of a job instance, by partition name
	 * ({@link PartitionPlanner#partitionName}; a job instance copies or moves, never both), read with one pass
	 * over the instance's executions: Spring Batch's {@code getLastStepExecution} reads (and parses)
	 * the job execution's context, which holds the whole plan, once per call, so calling it once
	 * per partition costs the square of the partition count.
	 */
	public static Map<String, StepExecution> lastWorkers(JobRepository repository, JobInstance instance) {
		Map<String, StepExecution> last = new HashMap<>();
		for (JobExecution execution : repository.getJobExecutions(instance)) {
			for (StepExecution step : execution.getStepExecutions()) {
				if (PartitionPlanner.isWorker(step.getStepName())) {
					last.merge(PartitionPlanner.workerPartition(step.getStepName()), step, (one, other) -> (one.getId() >= other.getId()) ? one : other);
				}
			}
		}
		return last;
	}

}
