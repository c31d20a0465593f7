package io.github.chmigrator.partition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.batch.core.partition.StepExecutionSplitter;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Makes the worker step executions of the {@code copyPartitions} (or {@code movePartitions}) step,
 * one per partition, in plan order ({@link PartitionPlanner#INDEX}), so a table migrates in the
 * order the log announced. The rules are Spring Batch's {@code SimpleStepExecutionSplitter}'s: a
 * partition whose last worker completed in an earlier execution is skipped; a failed or stopped
 * one starts again with its last ExecutionContext; one still running (left by a killed run that was
 * not recovered) refuses the step. Unlike it, the last executions are read in one pass
 * ({@link CopiedPartitions#forEachLastWorker}, streamed, not once per partition), and the
 * executions are made a group at a time, right before the group runs ({@link #starts} then
 * {@link #create}): a table of 100,000 partitions never has 100,000 worker contexts in memory.
 * A partition whose worker was never made, because the run stopped or was killed first, starts
 * from the plan on the next run, as it would have from a context made and saved up front.
 */
public class PlanOrderSplitter implements StepExecutionSplitter {

	private static final Logger logger = LoggerFactory.getLogger(PlanOrderSplitter.class);

	private final JobRepository jobRepository;

	private final CopiedPartitions copied;

	private final PartitionPlanner planner;

	private final TransactionTemplate transaction;

	private final String workerStep;

	/**
	 * A partition whose worker is to run in this execution, before its step execution is made.
	 *
	 * @param planner the plan (the planner itself, not its step-scoped proxy: executions are made
	 * on the threads that run them, outside the step's scope)
	 * @param index the partition's place in the plan, from 0
	 * @param bytes its planned bytes
	 * @param fresh whether it starts from the plan: nothing recorded, nothing imported
	 * @param restart the last ExecutionContext of a worker that runs again, {@code null} for one
	 * that never ran
	 */
	public record Start(PartitionPlanner planner, int index, long bytes, boolean fresh, ExecutionContext restart) {
	}

	/** @param workerStep {@link PartitionPlanner#WORKER_STEP} or {@link PartitionPlanner#MOVE_WORKER_STEP} */
	public PlanOrderSplitter(JobRepository jobRepository, CopiedPartitions copied, PartitionPlanner planner,
			PlatformTransactionManager transactionManager, String workerStep) {
		this.jobRepository = jobRepository;
		this.copied = copied;
		this.workerStep = workerStep;
		this.planner = planner;
		this.transaction = new TransactionTemplate(transactionManager);
	}

	@Override
	public String getStepName() {
		return this.workerStep;
	}

	/** Every execution at once, as Spring Batch's splitters do; {@link #starts} and {@link #create} keep fewer. */
	@Override
	public Set<StepExecution> split(StepExecution stepExecution, int gridSize) throws JobExecutionException {
		return new LinkedHashSet<>(create(starts(stepExecution), stepExecution.getJobExecution()));
	}

	/** The partitions whose worker runs in this execution of the step, in plan order. */
	public List<Start> starts(StepExecution stepExecution) throws JobExecutionException {
		JobExecution jobExecution = stepExecution.getJobExecution();
		Set<String> completed = new HashSet<>();
		Map<String, ExecutionContext> again = new HashMap<>();
		List<String> refused = new ArrayList<>();
		this.copied.forEachLastWorker(jobExecution.getJobInstanceId(), (worker) -> {
			BatchStatus status = worker.status();
			if (status == BatchStatus.COMPLETED && worker.jobExecutionId() != jobExecution.getId()) {
				completed.add(worker.partitionName());
			}
			else if (status == BatchStatus.COMPLETED || status == BatchStatus.STOPPED || status == BatchStatus.FAILED) {
				// a completed one always again within the same job execution, as Spring Batch does
				again.put(worker.partitionName(), worker.context());
			}
			else {
				refused.add(worker.partitionName() + " from " + status);
			}
		});
		if (!refused.isEmpty()) {
			throw new JobExecutionException("Cannot restart step " + this.workerStep + ":" + refused.get(0)
					+ " status: the old execution may still be running, or was abandoned");
		}
		if (this.planner.size() == 0) {
			logger.info("Table {} has no partitions with data: nothing to {}", this.planner.table(),
					PartitionPlanner.MOVE_WORKER_STEP.equals(this.workerStep) ? "move" : "copy");
		}
		PartitionPlanner plan = this.planner.unscoped();
		List<Start> starts = new ArrayList<>();
		for (int i = 0; i < plan.size(); i++) {
			String name = plan.partitionName(i);
			if (completed.contains(name)) {
				continue;
			}
			ExecutionContext restart = again.get(name);
			boolean fresh = (restart != null)
					? !restart.containsKey(PartitionPlanner.STATE) && !restart.containsKey(PartitionPlanner.IMPORTED)
					: !plan.imported(i);
			long bytes = (restart != null) ? restart.getLong(PartitionPlanner.PLANNED_BYTES, 0) : plan.plannedBytes(i);
			starts.add(new Start(plan, i, bytes, fresh, restart));
		}
		return starts;
	}

	/**
	 * The step executions of the given partitions, saved with their contexts (the plan's, or the
	 * last one of a worker that runs again), in the given order.
	 */
	public List<StepExecution> create(List<Start> starts, JobExecution jobExecution) {
		// Spring Batch creates each step execution in a transaction of its own (it refuses an enclosing one)
		List<StepExecution> created = starts.stream().map((start) -> {
			StepExecution execution = this.jobRepository
				.createStepExecution(this.workerStep + ":" + start.planner().partitionName(start.index()), jobExecution);
			execution.setExecutionContext(
					(start.restart() != null) ? start.restart() : start.planner().context(start.index()));
			return execution;
		}).toList();
		this.transaction.executeWithoutResult((status) -> created.forEach(this.jobRepository::updateExecutionContext));
		return created;
	}

}
