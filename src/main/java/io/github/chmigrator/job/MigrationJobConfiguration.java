package io.github.chmigrator.job;

import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.core.task.TaskExecutor;
import org.springframework.transaction.PlatformTransactionManager;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.config.MigrationSettings;
import io.github.chmigrator.clickhouse.ClickHouseSettings;
import io.github.chmigrator.copy.CopyBatch;
import io.github.chmigrator.faults.FailurePoints;
import io.github.chmigrator.migration.ProgressTracker;
import io.github.chmigrator.move.MoveBatch;
import io.github.chmigrator.move.MovePartitionTasklet;
import io.github.chmigrator.move.PartitionMover;
import io.github.chmigrator.move.SetPolicyTasklet;
import io.github.chmigrator.move.ValidateMovesTasklet;
import io.github.chmigrator.copy.CopyPartitionTasklet;
import io.github.chmigrator.legacy.ProgressFileExporter;
import io.github.chmigrator.legacy.ProgressImport;
import io.github.chmigrator.migration.MigrationOutcome;
import io.github.chmigrator.migration.OperatorFlags;
import io.github.chmigrator.migration.SourceGuard;
import io.github.chmigrator.partition.CopiedPartitions;
import io.github.chmigrator.partition.PartitionPlanner;
import io.github.chmigrator.partition.PlanOrderSplitter;
import io.github.chmigrator.plan.PlanPartitionsTasklet;
import io.github.chmigrator.policy.CheckPolicyTasklet;
import io.github.chmigrator.report.ReportWriter;
import io.github.chmigrator.schema.CloneSchemaTasklet;
import io.github.chmigrator.swap.SwapTablesTasklet;
import io.github.chmigrator.validate.ValidateTableTasklet;

/**
 * The {@value #JOB_NAME} job: one JobInstance per table (see {@link io.github.chmigrator.migration.TableJobParameters}), one
 * step per phase: checkPolicy, cloneSchema, planPartitions, copyPartitions (one worker step per
 * ClickHouse partition), validateTable, swapTables; or, in place ({@code --strategy move}): checkPolicy,
 * setPolicy, planMoves, movePartitions (one worker step per partition), validateMoves. The tasklets and their collaborators are
 * declared in {@link MigrationStepsConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
public class MigrationJobConfiguration {

	public static final String JOB_NAME = "migrateTable";

	@Bean
	public Job migrateTable(JobRepository jobRepository, Step checkPolicy, Step cloneSchema, Step planPartitions,
			Step copyPartitions, Step validateTable, Step swapTables, Step setPolicy, Step planMoves, Step movePartitions,
			Step validateMoves, ReportWriter reportWriter,
			ProgressFileExporter progressFile, GracefulStop gracefulStop, LiveStatus liveStatus) {
		return new JobBuilder(JOB_NAME, jobRepository).listener(gracefulStop)
			.listener(liveStatus)
			.listener(progressFile)
			.listener(reportWriter)
			.start(checkPolicy)
			.on(MigrationOutcome.ALREADY_MIGRATED.getExitCode())
			.end(MigrationOutcome.ALREADY_MIGRATED.getExitCode())
			.from(checkPolicy)
			.on(MigrationOutcome.MOVE.getExitCode())
			.to(setPolicy)
			.next(planMoves)
			.next(movePartitions)
			.next(validateMoves)
			.from(checkPolicy)
			.on(ExitStatus.COMPLETED.getExitCode())
			.to(cloneSchema)
			.next(planPartitions)
			.next(copyPartitions)
			.next(validateTable)
			.next(swapTables)
			.from(checkPolicy)
			.on("*")
			.fail()
			.end()
			.build();
	}

	/** Runs on every attempt: the world may have changed since the last one. */
	@Bean
	public Step checkPolicy(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			CheckPolicyTasklet checkPolicyTasklet, StepOutcomeListener listener) {
		return new StepBuilder("checkPolicy", jobRepository).tasklet(checkPolicyTasklet, transactionManager)
			.allowStartIfComplete(true)
			.listener(listener)
			.build();
	}

	@Bean
	public Step cloneSchema(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			CloneSchemaTasklet cloneSchemaTasklet, StepOutcomeListener listener) {
		return new StepBuilder("cloneSchema", jobRepository).tasklet(cloneSchemaTasklet, transactionManager)
			.listener(listener)
			.build();
	}

	@Bean
	public Step planPartitions(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			ClickHouseCatalog catalog, TableOperations operations, ProgressImport progressImport,
			StepOutcomeListener listener) {
		return new StepBuilder("planPartitions", jobRepository)
			.tasklet(new PlanPartitionsTasklet(catalog, operations, progressImport), transactionManager)
			.listener(listener)
			.build();
	}

	@Bean
	public Step copyPartitions(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			Step copyPartition, PartitionPlanner partitionPlanner, MigrationSettings settings, StepOutcomeListener listener,
			CopyBatch copyBatch, CopiedPartitions copiedPartitions, OperatorFlags flags, ProgressTracker progress) {
		BatchingPartitionHandler handler = new BatchingPartitionHandler(copyPartition,
				partitionExecutor(settings.parallelism()), copyBatch, settings.batchPartitions(), settings.batchBytes(),
				flags, progress, jobRepository, transactionManager);
		return new StepBuilder("copyPartitions", jobRepository).partitioner(PartitionPlanner.WORKER_STEP, partitionPlanner)
			.splitter(new PlanOrderSplitter(jobRepository, copiedPartitions, partitionPlanner, transactionManager,
					PartitionPlanner.WORKER_STEP))
			.partitionHandler(handler)
			.step(copyPartition)
			.listener(listener)
			.build();
	}

	@Bean
	public Step copyPartition(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			CopyPartitionTasklet copyPartitionTasklet, StepOutcomeListener listener, ProgressFileExporter progressFile) {
		return new StepBuilder(PartitionPlanner.WORKER_STEP, jobRepository)
			.tasklet(copyPartitionTasklet, transactionManager)
			.listener(listener)
			.listener(progressFile)
			.build();
	}

	@Bean
	public Step validateTable(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			TableOperations operations, SourceGuard sourceGuard, StepOutcomeListener listener,
			CopiedPartitions copiedPartitions) {
		return new StepBuilder("validateTable", jobRepository)
			.tasklet(new ValidateTableTasklet(operations, copiedPartitions, sourceGuard),
					transactionManager)
			.listener(listener)
			.build();
	}

	@Bean
	public Step swapTables(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			SwapTablesTasklet swapTablesTasklet, StepOutcomeListener listener) {
		return new StepBuilder(MigrationOutcome.SWAP_STEP, jobRepository).tasklet(swapTablesTasklet, transactionManager)
			.listener(listener)
			.build();
	}

	@Bean
	public Step setPolicy(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			ClickHouseCatalog catalog, TableOperations operations, StepOutcomeListener listener) {
		// on every attempt: the policy may have been set back meanwhile, and setting it is idempotent
		return new StepBuilder("setPolicy", jobRepository)
			.tasklet(new SetPolicyTasklet(catalog, operations), transactionManager)
			.allowStartIfComplete(true)
			.listener(listener)
			.build();
	}

	@Bean
	public Step planMoves(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			ClickHouseCatalog catalog, TableOperations operations, StepOutcomeListener listener) {
		// no progress file import: every partition of a move is still in the table, and moving again is a no-op
		return new StepBuilder("planMoves", jobRepository)
			.tasklet(new PlanPartitionsTasklet(catalog, operations, null), transactionManager)
			.listener(listener)
			.build();
	}

	@Bean
	public Step movePartitions(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			Step movePartition, PartitionPlanner partitionPlanner, MigrationSettings settings,
			StepOutcomeListener listener, CopiedPartitions copiedPartitions, OperatorFlags flags,
			ProgressTracker progress, MoveBatch moveBatch) {
		BatchingPartitionHandler handler = new BatchingPartitionHandler(movePartition,
				partitionExecutor(settings.parallelism()), moveBatch, settings.batchPartitions(), settings.batchBytes(),
				flags, progress, jobRepository, transactionManager);
		return new StepBuilder("movePartitions", jobRepository)
			.partitioner(PartitionPlanner.MOVE_WORKER_STEP, partitionPlanner)
			.splitter(new PlanOrderSplitter(jobRepository, copiedPartitions, partitionPlanner, transactionManager,
					PartitionPlanner.MOVE_WORKER_STEP))
			.partitionHandler(handler)
			.listener(listener)
			.build();
	}

	@Bean
	public Step movePartition(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			PartitionMover partitionMover, ProgressTracker progress, StepOutcomeListener listener,
			ProgressFileExporter progressFile, MoveBatch moveBatch) {
		return new StepBuilder(PartitionPlanner.MOVE_WORKER_STEP, jobRepository)
			.tasklet(new MovePartitionTasklet(partitionMover, progress, moveBatch), transactionManager)
			.listener(listener)
			.listener(progressFile)
			.build();
	}

	@Bean
	public Step validateMoves(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			ClickHouseCatalog catalog, TableOperations operations, PartitionMover partitionMover,
			StepOutcomeListener listener) {
		return new StepBuilder("validateMoves", jobRepository)
			.tasklet(new ValidateMovesTasklet(catalog, operations, partitionMover), transactionManager)
			.listener(listener)
			.build();
	}

	@Bean
	public PartitionMover partitionMover(TableOperations operations, FailurePoints failurePoints,
			ClickHouseSettings clickhouse) {
		return new PartitionMover(operations, failurePoints, clickhouse.retries(), clickhouse.retryDelay());
	}

	@Bean
	public MoveBatch moveBatch(PartitionMover partitionMover, JobRepository jobRepository,
			PlatformTransactionManager transactionManager) {
		return new MoveBatch(partitionMover, jobRepository, transactionManager);
	}

	private static TaskExecutor partitionExecutor(int parallelism) {
		if (parallelism <= 1) {
			return new SyncTaskExecutor();
		}
		SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("copy-");
		executor.setConcurrencyLimit(parallelism);
		return executor;
	}

}
