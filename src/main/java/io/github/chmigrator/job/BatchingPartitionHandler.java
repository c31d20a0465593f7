package io.github.chmigrator.job;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

import org.springframework.batch.core.partition.support.AbstractPartitionHandler;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.core.task.TaskExecutor;

import io.github.chmigrator.copy.CopyBatch;

/**
 * Runs the {@code copyPartitions} step's worker steps in groups ({@link CopyBatch#groups}): a
 * group of small partitions is copied as a batch first, then each of its worker steps runs (and
 * finds its partition done, or finishes it). Up to {@code --parallelism} groups run at once, on
 * the given executor; every worker step execution is returned, as Spring Batch's
 * {@code TaskExecutorPartitionHandler} does. No batch starts once the job is asked to stop: the
 * worker steps then stop as they would without batches. A worker's ExecutionContext is let go once
 * its step has saved it, so a table of 100,000 partitions does not keep 100,000 contexts in memory.
 */
public class BatchingPartitionHandler extends AbstractPartitionHandler {

	private final Step step;

	private final TaskExecutor executor;

	private final CopyBatch batches;

	private final int maxPartitions;

	private final long maxBytes;

	public BatchingPartitionHandler(Step step, TaskExecutor executor, CopyBatch batches, int maxPartitions,
			long maxBytes) {
		this.step = step;
		this.executor = executor;
		this.batches = batches;
		this.maxPartitions = maxPartitions;
		this.maxBytes = maxBytes;
	}

	@Override
	protected Set<StepExecution> doHandle(StepExecution managerStepExecution, Set<StepExecution> partitionStepExecutions)
			throws Exception {
		List<Future<List<StepExecution>>> tasks = new ArrayList<>();
		for (List<StepExecution> group : this.batches.groups(partitionStepExecutions, this.maxPartitions, this.maxBytes)) {
			FutureTask<List<StepExecution>> task = new FutureTask<>(() -> run(group));
			this.executor.execute(task);
			tasks.add(task);
		}
		Set<StepExecution> result = new LinkedHashSet<>();
		for (Future<List<StepExecution>> task : tasks) {
			result.addAll(task.get());
		}
		return result;
	}

	private List<StepExecution> run(List<StepExecution> group) throws Exception {
		if (group.size() > 1 && !group.get(0).getJobExecution().isStopping()) {
			this.batches.copy(group);
		}
		for (StepExecution execution : group) {
			this.step.execute(execution);
			// saved by the step; nothing reads it from memory afterwards (records are read from the
			// JobRepository), and the job execution keeps every worker execution until it ends
			execution.setExecutionContext(new ExecutionContext());
		}
		return group;
	}

}
