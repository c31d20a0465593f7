package io.github.chmigrator.partition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.partition.StepExecutionSplitter;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Makes the worker step executions of the {@code copyPartitions} step, one per partition, and
 * hands them out in plan order ({@link PartitionPlanner#INDEX}), so a table migrates in the order
 * the log announced. The rules are Spring Batch's {@code SimpleStepExecutionSplitter}'s: a partition
 * whose last worker completed in an earlier execution is skipped; a failed or stopped one starts
 * again with its last ExecutionContext; one still running (left by a killed run that was not
 * recovered) refuses the step. Unlike it, the last executions are read in one pass
 * ({@link CopiedPartitions#forEachLastWorker}, streamed, not once per partition: each of those reads
 * parses the whole plan; only the contexts of workers that start again are kept), and the new
 * executions' contexts are saved in one JobRepository transaction.
 */
public class PlanOrderSplitter implements StepExecutionSplitter {

	private final JobRepository jobRepository;

	private final CopiedPartitions copied;

	private final Partitioner partitioner;

	private final TransactionTemplate transaction;

	private final String workerStep;

	/** @param workerStep {@link PartitionPlanner#WORKER_STEP} or {@link PartitionPlanner#MOVE_WORKER_STEP} */
	public PlanOrderSplitter(JobRepository jobRepository, CopiedPartitions copied, Partitioner partitioner,
			PlatformTransactionManager transactionManager, String workerStep) {
		this.jobRepository = jobRepository;
		this.copied = copied;
		this.workerStep = workerStep;
		this.partitioner = partitioner;
		this.transaction = new TransactionTemplate(transactionManager);
	}

	@Override
	public String getStepName() {
		return this.workerStep;
	}

	@Override
	public Set<StepExecution> split(StepExecution stepExecution, int gridSize) throws JobExecutionException {
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
		List<Map.Entry<String, ExecutionContext>> starts = new ArrayList<>();
		for (Map.Entry<String, ExecutionContext> partition : this.partitioner.partition(gridSize).entrySet()) {
			if (!completed.contains(partition.getKey())) {
				starts.add(Map.entry(this.workerStep + ":" + partition.getKey(),
						again.getOrDefault(partition.getKey(), partition.getValue())));
			}
		}
		// Spring Batch creates each step execution in a transaction of its own (it refuses an enclosing one)
		List<StepExecution> created = starts.stream().map((start) -> {
			StepExecution execution = this.jobRepository.createStepExecution(start.getKey(), jobExecution);
			execution.setExecutionContext(start.getValue());
			return execution;
		}).toList();
		this.transaction.executeWithoutResult((status) -> created.forEach(this.jobRepository::updateExecutionContext));
		Set<StepExecution> ordered = new LinkedHashSet<>();
		created.stream()
			.sorted(Comparator.comparingInt((StepExecution step) -> step.getExecutionContext().getInt(PartitionPlanner.INDEX, 0))
				.thenComparing(StepExecution::getStepName))
			.forEach(ordered::add);
		return ordered;
	}

}
