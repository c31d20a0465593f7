package io.github.chmigrator.partition;

import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Set;

import org.springframework.batch.core.job.JobExecutionException;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.partition.support.SimpleStepExecutionSplitter;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;

/**
 * Hands the partition steps to the workers in plan order ({@link PartitionPlanner#INDEX}), so
 * a table migrates partition by partition in the order the log announced, not in hash order.
 */
public class PlanOrderSplitter extends SimpleStepExecutionSplitter {

	public PlanOrderSplitter(JobRepository jobRepository, Partitioner partitioner) {
		super(jobRepository, PartitionPlanner.WORKER_STEP, partitioner);
	}

	@Override
	public Set<StepExecution> split(StepExecution stepExecution, int gridSize) throws JobExecutionException {
		Set<StepExecution> ordered = new LinkedHashSet<>();
		super.split(stepExecution, gridSize)
			.stream()
			.sorted(Comparator.comparingInt((StepExecution step) -> step.getExecutionContext().getInt(PartitionPlanner.INDEX, 0))
				.thenComparing(StepExecution::getStepName))
			.forEach(ordered::add);
		return ordered;
	}

}
