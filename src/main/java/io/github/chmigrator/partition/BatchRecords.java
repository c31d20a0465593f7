package io.github.chmigrator.partition;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What a batch of partitions ({@link PartitionBatches}) leaves for their worker steps: the
 * ExecutionContexts it recorded (saved together, in one JobRepository transaction), the failure it
 * met for one partition (raised by that partition's worker), and which workers another of their
 * batch follows (no pause after them).
 */
public final class BatchRecords {

	private final JobRepository jobRepository;

	private final TransactionTemplate transaction;

	/** Failures of one partition met in a batch, by worker step execution id, for the worker to raise. */
	private final Map<Long, RuntimeException> failures = new ConcurrentHashMap<>();

	/** Worker step executions followed by another of their batch: no pause after them. */
	private final Set<Long> continuing = ConcurrentHashMap.newKeySet();

	public BatchRecords(JobRepository jobRepository, PlatformTransactionManager transactionManager) {
		this.jobRepository = jobRepository;
		this.transaction = new TransactionTemplate(transactionManager);
	}

	/** A batch starts: every worker but its last is followed by another. */
	public void started(List<StepExecution> batch) {
		for (int i = 0; i < batch.size() - 1; i++) {
			this.continuing.add(batch.get(i).getId());
		}
	}

	/** The batch met a failure that belongs to this partition: its worker raises it. */
	public void failed(StepExecution execution, RuntimeException failure) {
		this.failures.put(execution.getId(), failure);
	}

	/** The failure a batch met for this partition, once; {@code null} without one. */
	public RuntimeException takeFailure(StepExecution execution) {
		return this.failures.remove(execution.getId());
	}

	/** Whether another partition of its batch follows this one (then no pause after it). */
	public boolean continues(StepExecution execution) {
		return this.continuing.remove(execution.getId());
	}

	/** The executions' ExecutionContexts, in one JobRepository transaction. */
	public void save(Collection<StepExecution> executions) {
		if (!executions.isEmpty()) {
			this.transaction.executeWithoutResult((status) -> executions.forEach(this.jobRepository::updateExecutionContext));
		}
	}

}
