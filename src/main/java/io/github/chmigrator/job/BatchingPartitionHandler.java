package io.github.chmigrator.job;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInterruptedException;
import org.springframework.batch.core.partition.PartitionHandler;
import org.springframework.batch.core.partition.StepExecutionSplitter;
import org.springframework.batch.core.partition.support.DefaultStepExecutionAggregator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.core.task.TaskExecutor;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.github.chmigrator.migration.OperatorFlags;
import io.github.chmigrator.migration.ProgressTracker;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.PartitionBatches;
import io.github.chmigrator.partition.PartitionPlanner;
import io.github.chmigrator.partition.PlanOrderSplitter;
import io.github.chmigrator.partition.PlanOrderSplitter.Start;

/**
 * Runs a partitioned step's worker steps in groups: a group of small partitions
 * ({@link PartitionBatches#groups}) is copied ({@code copy.CopyBatch}) or moved in place
 * ({@code move.MoveBatch}) as a batch first, then each of its worker steps runs (and finds its
 * partition done, or finishes it). Up to {@code --parallelism} groups run at once, on the given
 * executor.
 *
 * <p>Memory stays bounded by the group, not the table: a group's worker step executions are made
 * ({@link PlanOrderSplitter#create}) when the group starts, and let go once they ran. Spring
 * Batch's own handlers get every execution, each with its context, before the first runs, return
 * them all, and its job execution keeps them all to the end (100,000 of them for a table of
 * 100,000 partitions). Here a group's workers belong to a copy of the job execution (same id,
 * instance, parameters, and the same ExecutionContext object), made for the group; only workers
 * that did not complete are added to the job execution itself (its failures decide the exit code
 * and the report's errors, as before), and the partitioned step gets one execution that sums them
 * all ({@link DefaultStepExecutionAggregator}: the highest status, the exit statuses, the counts).
 * Workers and the manager read their records from the JobRepository, never from these objects.
 *
 * <p>Once the job is asked to stop no further group starts and no execution is made for it; the
 * step then ends STOPPED ({@link JobInterruptedException}), never COMPLETED with partitions left,
 * and the restart makes the missing executions from the plan. A stop is seen on the job execution
 * ({@code JobOperator.stop} in this process) or on a group's copy (Spring Batch reads the job's
 * status from the JobRepository into it each time a worker saves its step: a stop from elsewhere).
 */
public class BatchingPartitionHandler implements PartitionHandler {

	private final Step step;

	private final TaskExecutor executor;

	private final PartitionBatches batches;

	private final int maxPartitions;

	private final long maxBytes;

	private final OperatorFlags flags;

	private final ProgressTracker progress;

	private final JobRepository jobRepository;

	private final TransactionTemplate transaction;

	/**
	 * @param batches {@code null} to run every partition on its own
	 * @param flags the operator's flag files: a throttled run starts no group
	 */
	public BatchingPartitionHandler(Step step, TaskExecutor executor, PartitionBatches batches, int maxPartitions,
			long maxBytes, OperatorFlags flags, ProgressTracker progress, JobRepository jobRepository,
			PlatformTransactionManager transactionManager) {
		this.transaction = new TransactionTemplate(transactionManager);
		this.flags = flags;
		this.progress = progress;
		this.jobRepository = jobRepository;
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
		Workers workers = new Workers(jobExecution, managerStepExecution.getStepName(), this.jobRepository);
		List<Future<?>> tasks = new ArrayList<>();
		for (List<Start> group : groups) {
			FutureTask<Void> task = new FutureTask<>(() -> {
				run(planned, group, workers);
				return null;
			});
			this.executor.execute(task);
			tasks.add(task);
		}
		for (Future<?> task : tasks) {
			task.get();
		}
		if (workers.notStarted.get() > 0) {
			throw new JobInterruptedException(
					"Stopped before " + workers.notStarted.get() + " partition(s) started; a restart migrates them");
		}
		return List.of(workers.sum);
	}

	private void run(PlanOrderSplitter planned, List<Start> group, Workers workers) throws Exception {
		TableJobParameters job = TableJobParameters.of(workers.jobExecution.getJobParameters());
		for (int second = 1; !workers.stopRequested() && this.flags.throttled(job); second++) {
			Thread.sleep(1000);
			if (second % 5 == 0) {
				workers.readStop();
			}
		}
		if (workers.stopRequested()) {
			workers.notStarted.addAndGet(group.size());
			return;
		}
		JobExecution copy = workers.copyOfJobExecution();
		List<StepExecution> executions = planned.create(group, copy);
		List<String> partitions = group.stream().map((start) -> start.planner().partitionName(start.index())).toList();
		this.progress.started(job.qualifiedTable(), partitions);
		try {
			int recorded = 0;
			if (executions.size() > 1) {
				this.batches.run(executions);
				while (recorded < executions.size() - 1 && PartitionPlanner.DONE
					.equals(executions.get(recorded).getExecutionContext().getString(PartitionPlanner.STATE, ""))) {
					recorded++;
				}
			}
			// the batch recorded these DONE: their workers only report them, so their JobRepository
			// updates share one transaction (a kill before it commits leaves them DONE but not
			// COMPLETED, and the rerun's workers report them again); the group's last runs alone, with its pause
			List<StepExecution> done = executions.subList(0, recorded);
			JobInterruptedException interrupted = this.transaction.execute((status) -> {
				for (StepExecution execution : done) {
					try {
						execute(execution);
					}
					catch (JobInterruptedException ex) {
						return ex;
					}
				}
				return null;
			});
			if (interrupted != null) {
				throw interrupted;
			}
			for (StepExecution execution : executions.subList(recorded, executions.size())) {
				execute(execution);
			}
		}
		finally {
			this.progress.ended(job.qualifiedTable(), partitions);
			workers.ran(executions, copy);
		}
	}

	private void execute(StepExecution execution) throws JobInterruptedException {
		this.step.execute(execution);
		// saved by the step; nothing reads it from memory afterwards (records are read from the JobRepository)
		execution.setExecutionContext(new ExecutionContext());
	}

	/** What the groups of one partitioned step share: the job execution, the sum, the stop. */
	private static final class Workers {

		private static final DefaultStepExecutionAggregator AGGREGATOR = new DefaultStepExecutionAggregator();

		private final JobExecution jobExecution;

		private final StepExecution sum;

		private final AtomicInteger notStarted = new AtomicInteger();

		private final AtomicBoolean stopSeen = new AtomicBoolean();

		private final JobRepository jobRepository;

		Workers(JobExecution jobExecution, String stepName, JobRepository jobRepository) {
			this.jobRepository = jobRepository;
			this.jobExecution = jobExecution;
			this.sum = new StepExecution(0, stepName + ":workers", jobExecution);
			this.sum.setStatus(BatchStatus.COMPLETED);
			this.sum.setExitStatus(ExitStatus.COMPLETED);
		}

		/** Once a stop is asked for (or a group was not started) no further group starts. */
		boolean stopRequested() {
			// JobOperator.stop records the job STOPPED at once (it sets an end time), STOPPING otherwise
			return this.jobExecution.isStopping() || this.jobExecution.isStopped() || this.stopSeen.get()
					|| this.notStarted.get() > 0;
		}

		/**
		 * Reads the job's status from the JobRepository: a {@code --stop} from another process (or
		 * host) is seen there, and by the workers' steps once they run, not while no step runs.
		 */
		void readStop() {
			JobExecution recorded = this.jobRepository.getJobExecution(this.jobExecution.getId());
			if (recorded != null && (recorded.isStopping() || recorded.isStopped())) {
				this.stopSeen.set(true);
			}
		}

		JobExecution copyOfJobExecution() {
			JobExecution copy = new JobExecution(this.jobExecution.getId(), this.jobExecution.getJobInstance(),
					this.jobExecution.getJobParameters());
			copy.setExecutionContext(this.jobExecution.getExecutionContext());
			copy.setStatus(this.jobExecution.getStatus());
			copy.setVersion(this.jobExecution.getVersion());
			copy.setCreateTime(this.jobExecution.getCreateTime());
			copy.setStartTime(this.jobExecution.getStartTime());
			copy.setLastUpdated(this.jobExecution.getLastUpdated());
			return copy;
		}

		void ran(List<StepExecution> executions, JobExecution copy) {
			if (copy.isStopping() || copy.isStopped()) {
				this.stopSeen.set(true);
			}
			executions.stream()
				.filter((execution) -> execution.getStatus() != BatchStatus.COMPLETED)
				.forEach(this.jobExecution::addStepExecution);
			synchronized (this.sum) {
				AGGREGATOR.aggregate(this.sum, executions);
			}
		}

	}

}
