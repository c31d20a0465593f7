package io.github.chmigrator.partition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.github.chmigrator.clickhouse.PartitionInfo;

/**
 * What the copy workers recorded for every planned partition of a job instance, across all its
 * executions (a partition completed by the first run and skipped by the restart still counts),
 * read from the JobRepository as a stream ({@link WorkerRecords}): a table of 100,000 partitions
 * is never held in memory with every worker's context at once.
 */
public final class CopiedPartitions {

	private final WorkerRecords records;

	public CopiedPartitions(WorkerRecords records) {
		this.records = records;
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

	/**
	 * Every planned partition with the last record of its worker, one at a time: first those whose
	 * worker ran (newest record first), then those whose worker never ran. Nothing is kept once the
	 * action has seen a partition.
	 */
	public void forEach(JobExecution jobExecution, Consumer<CopiedPartition> action) {
		Map<String, PartitionInfo> pending = new LinkedHashMap<>();
		for (PartitionInfo planned : Plan.fromContext(jobExecution.getExecutionContext().get(PartitionPlanner.PLAN))) {
			pending.put(PartitionPlanner.partitionName(planned.partitionId()), planned);
		}
		this.records.forEachLast(jobExecution.getJobInstanceId(), (worker) -> {
			PartitionInfo planned = pending.remove(worker.partitionName());
			if (planned != null) {
				action.accept(new CopiedPartition(planned, worker.status(), worker.context()));
			}
		});
		pending.values().forEach((planned) -> action.accept(new CopiedPartition(planned, null, new ExecutionContext())));
	}

	/** {@link #forEach} into a list, in plan order: for what needs the records of every partition at once. */
	public List<CopiedPartition> load(JobExecution jobExecution) {
		Map<String, CopiedPartition> byId = new HashMap<>();
		forEach(jobExecution, (partition) -> byId.put(partition.planned().partitionId(), partition));
		List<CopiedPartition> partitions = new ArrayList<>();
		for (PartitionInfo planned : Plan.fromContext(jobExecution.getExecutionContext().get(PartitionPlanner.PLAN))) {
			partitions.add(byId.get(planned.partitionId()));
		}
		return partitions;
	}

	/** The last execution of every worker step of a job instance, one at a time ({@link WorkerRecords}). */
	public void forEachLastWorker(long jobInstanceId, Consumer<WorkerRecords.Worker> action) {
		this.records.forEachLast(jobInstanceId, action);
	}

}
