package io.github.chmigrator.partition;

import java.util.ArrayList;
import java.util.List;

import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.step.StepExecution;

import io.github.chmigrator.partition.PlanOrderSplitter.Start;

/**
 * Small partitions handled together, before their worker steps run: the copy's batches and the
 * in-place moves' groups. Each partition keeps its own worker step and ExecutionContext; what the
 * batch records there, its worker finds (as after a crash), and what it leaves undone, the worker
 * does.
 */
public interface PartitionBatches {

	/** The partitions in plan order, cut into the groups that run together (many of one, unless batched). */
	List<List<Start>> groups(List<Start> starts, JobParameters parameters, int maxPartitions, long maxBytes);

	/** Runs a group of more than one partition as far as it can; never throws. */
	void run(List<StepExecution> batch);

	/**
	 * Consecutive fresh (never started) partitions of at most {@code maxBytes} each, up to
	 * {@code maxPartitions} and {@code maxBytes} together; every other partition alone.
	 */
	static List<List<Start>> groups(List<Start> starts, boolean batching, int maxPartitions, long maxBytes) {
		List<List<Start>> groups = new ArrayList<>();
		List<Start> batch = new ArrayList<>();
		long batchBytes = 0;
		for (Start start : starts) {
			boolean fits = batching && maxPartitions > 1 && start.fresh() && start.bytes() <= maxBytes;
			if (!batch.isEmpty() && (!fits || batch.size() >= maxPartitions || batchBytes + start.bytes() > maxBytes)) {
				groups.add(batch);
				batch = new ArrayList<>();
				batchBytes = 0;
			}
			if (fits) {
				batch.add(start);
				batchBytes += start.bytes();
			}
			else {
				groups.add(List.of(start));
			}
		}
		if (!batch.isEmpty()) {
			groups.add(batch);
		}
		return groups;
	}

}
