package io.github.chmigrator.move;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.transaction.PlatformTransactionManager;

import io.github.chmigrator.migration.MigrationOutcome;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.BatchRecords;
import io.github.chmigrator.partition.PartitionBatches;
import io.github.chmigrator.partition.PartitionPlanner;
import io.github.chmigrator.partition.PlanOrderSplitter.Start;

/**
 * Moves a group of small partitions in place with three statements instead of three per
 * partition: their parts read in one query, one {@code ALTER … MOVE PARTITION ID … TO VOLUME …, …}
 * (retried while a part is locked by a merge or another move), their parts read again, each
 * partition's move checked as {@link PartitionMover} checks it, and {@code DONE} recorded for every
 * partition in one JobRepository transaction. Each partition keeps its own worker step, which then
 * finds it {@code DONE}. Exact for the same reason as one partition's move: a move swaps in a copy of
 * a part under the same name and never changes rows, so a crash at any instant leaves parts on one
 * disk or the other, and the worker (or the rerun) moves what is still off the volume. A failure of
 * the shared statements is logged and leaves every partition to its worker; a part that changed
 * while it moved fails that partition's worker with the same message. The worker's pause
 * ({@code --insert-interval}) comes after the group's last partition.
 */
public class MoveBatch implements PartitionBatches {

	private static final Logger logger = LoggerFactory.getLogger(MoveBatch.class);

	private final PartitionMover mover;

	private final BatchRecords records;

	public MoveBatch(PartitionMover mover, JobRepository jobRepository, PlatformTransactionManager transactionManager) {
		this.mover = mover;
		this.records = new BatchRecords(jobRepository, transactionManager);
	}

	@Override
	public List<List<Start>> groups(List<Start> starts, JobParameters parameters, int maxPartitions, long maxBytes) {
		return PartitionBatches.groups(starts, true, maxPartitions, maxBytes);
	}

	@Override
	public void run(List<StepExecution> batch) {
		this.records.started(batch);
		StepExecution first = batch.get(0);
		TableJobParameters job = TableJobParameters.of(first.getJobParameters());
		ExecutionContext jobContext = first.getJobExecution().getExecutionContext();
		String volume = jobContext.getString(MigrationOutcome.MOVE_VOLUME);
		List<String> disks = Arrays.asList(jobContext.getString(MigrationOutcome.MOVE_DISKS).split(","));
		Map<String, StepExecution> members = new LinkedHashMap<>();
		batch.forEach((execution) -> members.put(execution.getExecutionContext().getString(PartitionPlanner.PARTITION_ID),
				execution));
		Map<String, PartitionMover.Moved> moved = new LinkedHashMap<>();
		Map<String, RuntimeException> failed = new LinkedHashMap<>();
		long startedAt = System.currentTimeMillis();
		long started = System.nanoTime();
		try {
			this.mover.moveAll(job.database(), job.table(), List.copyOf(members.keySet()), volume, disks, moved, failed);
		}
		catch (RuntimeException ex) {
			logger.warn("Table {}: the group of {} partitions from {} was not moved together ({}); its partitions move "
					+ "one by one", job.qualifiedTable(), batch.size(), members.keySet().iterator().next(), ex.getMessage());
			return;
		}
		double seconds = (System.nanoTime() - started) / 1e9 / members.size();
		failed.forEach((id, failure) -> this.records.failed(members.get(id), failure));
		moved.forEach((id, move) -> MovePartitionTasklet.record(members.get(id).getExecutionContext(), move, seconds,
				startedAt));
		this.records.save(moved.keySet().stream().map(members::get).toList());
	}

	/** The failure a group met for this partition, once; {@code null} without one. */
	RuntimeException takeFailure(StepExecution execution) {
		return this.records.takeFailure(execution);
	}

	/** Whether another partition of its group follows this one (then no pause after it). */
	boolean continues(StepExecution execution) {
		return this.records.continues(execution);
	}

}
