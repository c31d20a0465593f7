package io.github.chmigrator.job;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInterruptedException;
import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.partition.StepExecutionSplitter;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.core.task.TaskExecutor;

import io.github.chmigrator.copy.CopyBatch;
import io.github.chmigrator.partition.PlanOrderSplitter;
import io.github.chmigrator.partition.PlanOrderSplitter.Start;

/**
 * Runs a partitioned step's worker steps in groups: for {@code copyPartitions}, a group of small
 * partitions ({@link CopyBatch#groups}) is copied as a batch first, then each of its worker steps
 * runs (and finds its partition done, or finishes it); for {@code movePartitions} (no
 * {@link CopyBatch}) every partition is a group of its own. Up to {@code --parallelism} groups run
 * at once, on the given executor.
 *
 * <p>Memory stays bounded by the group, not the table: a group's worker step executions are made
 * ({@link PlanOrderSplitter#create}) when the group starts, and a worker's ExecutionContext is let
 * go once its step has saved it. Spring Batch's own handlers get every execution, each with its
 * context, before the first runs (100,000 of them for a table of 100,000 partitions).
 *
 * <p>Once the job is asked to stop no further group starts and no execution is made for it; the
 * step then ends STOPPED ({@link JobInterruptedException}), never COMPLETED with partitions left,
 * and the restart makes the missing executions from the plan.
 */
public class BatchingPartitionHandler implements PartitionHandler {

	private final Step step;

	private final TaskExecutor executor;

	private final CopyBatch batches;

	private final int maxPartitions;

	private final long maxBytes;

	/** @param batches {@code null} to run every partition on its own */
	public BatchingPartitionHandler(Step step, TaskExecutor executor, CopyBatch batches, int maxPartitions,
			long maxBytes) {
		this.step = step;
		this.executor = executor;
		this.batches = batches;
		this.maxPartitions = maxPartitions;
		this.maxBytes = maxBytes;
	}

	@Override
	public Collection<StepExecution> handle(StepExecutionSplitter splitter, StepExecution managerStepExecution)
			throws Exception {
		PlanOrderSplitter planned = (PlanOrderSplitter) splitter;
		JobExecution jobExecution = managerStepExecution.getJobExecution();
		List<Start> starts = planned.starts(managerStepExecution);
		List<List<Start>> groups = (this.batches != null)
				? this.batches.groups(starts, jobExecution.getJobParameters(), this.maxPartitions, this.maxBytes)
				: starts.stream().map(List::of).toList();
		AtomicInteger notStarted = new AtomicInteger();
		List<Future<List<StepExecution>>> tasks = new ArrayList<>();
		for (List<Start> group : groups) {
			FutureTask<List<StepExecution>> task = new FutureTask<>(() -> run(planned, group, jobExecution, notStarted));
			this.executor.execute(task);
			tasks.add(task);
		}
		Set<StepExecution> result = new LinkedHashSet<>();
		for (Future<List<StepExecution>> task : tasks) {
			result.addAll(task.get());
		}
		if (notStarted.get() > 0) {
			throw new JobInterruptedException(
					"Stopped before " + notStarted.get() + " partition(s) started; a restart migrates them");
		}
		return result;
	}

	private List<StepExecution> run(PlanOrderSplitter planned, List<Start> group, JobExecution jobExecution,
			AtomicInteger notStarted) throws Exception {
		// JobOperator.stop records the job STOPPED at once (it sets an end time), STOPPING otherwise
		if (jobExecution.isStopping() || jobExecution.isStopped() || notStarted.get() > 0) {
			notStarted.addAndGet(group.size());
			return List.of();
		}
		List<StepExecution> executions = planned.create(group, jobExecution);
		if (executions.size() > 1) {
			this.batches.copy(executions);
		}
		for (StepExecution execution : executions) {
			this.step.execute(execution);
			// saved by the step; nothing reads it from memory afterwards (records are read from the
			// JobRepository), and the job execution keeps every worker execution until it ends
			execution.setExecutionContext(new ExecutionContext());
		}
		return executions;
	}

}
