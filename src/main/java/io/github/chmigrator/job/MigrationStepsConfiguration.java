package io.github.chmigrator.job;

import java.nio.file.Path;
import java.time.Duration;

import javax.sql.DataSource;

import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.repository.dao.JacksonExecutionContextStringSerializer;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.ClickHouseClient;
import io.github.chmigrator.clickhouse.QueryLog;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.config.HookSettings;
import io.github.chmigrator.config.MigrationSettings;
import io.github.chmigrator.config.ReportSettings;
import io.github.chmigrator.copy.AttachPartitionStrategy;
import io.github.chmigrator.copy.CopyBatch;
import io.github.chmigrator.copy.CopyPartitionTasklet;
import io.github.chmigrator.copy.CopyStrategies;
import io.github.chmigrator.copy.InsertSelectStrategy;
import io.github.chmigrator.faults.FailurePoints;
import io.github.chmigrator.legacy.ProgressFileExporter;
import io.github.chmigrator.legacy.ProgressImport;
import io.github.chmigrator.migration.CopyPacing;
import io.github.chmigrator.migration.DefinitionSync;
import io.github.chmigrator.migration.Hooks;
import io.github.chmigrator.migration.MergeControl;
import io.github.chmigrator.migration.OperatorFlags;
import io.github.chmigrator.migration.OwnedTables;
import io.github.chmigrator.migration.ProgressTracker;
import io.github.chmigrator.migration.RemovedPartitions;
import io.github.chmigrator.migration.SourceChanges;
import io.github.chmigrator.migration.SourceGuard;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.CopiedPartitions;
import io.github.chmigrator.partition.PartitionPlanner;
import io.github.chmigrator.partition.Plan;
import io.github.chmigrator.partition.WorkerRecords;
import io.github.chmigrator.policy.CheckPolicyTasklet;
import io.github.chmigrator.report.ReportWriter;
import io.github.chmigrator.schema.CloneSchemaTasklet;
import io.github.chmigrator.swap.SwapTablesTasklet;

/** The tasklets of the migration job and what they share. */
@Configuration(proxyBeanMethods = false)
public class MigrationStepsConfiguration {

	/** The progress file's name in the report directory when {@code migration.progress-file} is not set. */
	public static final String PROGRESS_FILE = "migration_progress.json";

	/** Execution contexts are stored as JSON, so an operator can read them in the BATCH_* tables. */
	@Bean
	public JacksonExecutionContextStringSerializer executionContextSerializer() {
		return new JacksonExecutionContextStringSerializer();
	}

	/** After the JobRepository's schema: its tables must exist. */
	@Bean
	@DependsOnDatabaseInitialization
	public StepExecutionIndex stepExecutionIndex(DataSource dataSource) {
		return new StepExecutionIndex(dataSource);
	}

	/** The partitions' worker records, streamed from the JobRepository's tables. */
	@Bean
	public CopiedPartitions copiedPartitions(DataSource dataSource, JacksonExecutionContextStringSerializer serializer) {
		return new CopiedPartitions(new WorkerRecords(dataSource, serializer));
	}

	@Bean
	public TableOperations tableOperations(ClickHouseClient client) {
		return new TableOperations(client);
	}

	@Bean
	public OperatorFlags operatorFlags(MigrationSettings settings, TableOperations operations,
			ProgressTracker progress) {
		return new OperatorFlags(settings, operations, progress);
	}

	@Bean
	public MergeControl mergeControl(TableOperations operations) {
		return new MergeControl(operations);
	}

	@Bean
	public FailurePoints failurePoints(@Value("${migrator.fail-at:}") String failAt,
			@Value("${migrator.halt-at:}") String haltAt) {
		return new FailurePoints(failAt, haltAt);
	}

	@Bean
	public ProgressTracker progressTracker() {
		return new ProgressTracker();
	}

	@Bean
	public StepOutcomeListener stepOutcomeListener(ProgressTracker progress, Hooks hooks) {
		return new StepOutcomeListener(progress, hooks);
	}

	@Bean
	public Hooks hooks(HookSettings settings, ProgressTracker progress) {
		return new Hooks(settings, progress);
	}

	@Bean
	public LiveStatus liveStatus(ProgressTracker progress, Hooks hooks, OperatorFlags flags, MergeControl merges,
			TableOperations operations, ReportSettings reports) {
		return new LiveStatus(progress, hooks, flags, merges, operations, reports.path());
	}

	@Bean
	public ReportWriter reportWriter(ReportSettings settings, CopiedPartitions copiedPartitions) {
		return new ReportWriter(settings.path(), copiedPartitions);
	}

	/** The original script's progress file (design §12.3), by default next to the reports. */
	@Bean
	public ProgressFileExporter progressFileExporter(@Value("${migration.progress-file:}") String file,
			ReportSettings reports) {
		return new ProgressFileExporter(file.isBlank() ? reports.path().resolve(PROGRESS_FILE) : Path.of(file));
	}

	@Bean
	public ProgressImport progressImport(ProgressFileExporter exporter) {
		return new ProgressImport(exporter.file());
	}

	@Bean
	public RemovedPartitions removedPartitions(TableOperations operations, ClickHouseCatalog catalog,
			JobRepository jobRepository, CopiedPartitions copiedPartitions) {
		return new RemovedPartitions(new QueryLog(operations.client()), operations, catalog, jobRepository,
				copiedPartitions);
	}

	@Bean
	public SourceChanges sourceChanges(TableOperations operations, ClickHouseCatalog catalog,
			RemovedPartitions removedPartitions) {
		return new SourceChanges(operations, catalog, removedPartitions);
	}

	@Bean
	public SourceGuard sourceGuard(SourceChanges sourceChanges, DefinitionSync definitions,
			RemovedPartitions removedPartitions) {
		return new SourceGuard(sourceChanges, definitions, removedPartitions);
	}

	@Bean
	public DefinitionSync definitionSync(TableOperations operations) {
		return new DefinitionSync(operations);
	}

	@Bean
	public OwnedTables ownedTables(JobRepository jobRepository) {
		return new OwnedTables(jobRepository);
	}

	@Bean
	public CheckPolicyTasklet checkPolicyTasklet(JobRepository jobRepository, ClickHouseCatalog catalog,
			TableOperations operations, OwnedTables ownedTables, ProgressImport progressImport,
			SourceChanges sourceChanges, CopiedPartitions copiedPartitions, OperatorFlags flags) {
		return new CheckPolicyTasklet(jobRepository, catalog, operations, ownedTables, progressImport, sourceChanges,
				copiedPartitions, flags);
	}

	@Bean
	public CloneSchemaTasklet cloneSchemaTasklet(TableOperations operations, ClickHouseCatalog catalog,
			ProgressImport progressImport, OwnedTables ownedTables) {
		return new CloneSchemaTasklet(operations, catalog, progressImport, ownedTables);
	}

	@Bean
	public CopyStrategies copyStrategies(TableOperations operations) {
		return new CopyStrategies(new AttachPartitionStrategy(operations), new InsertSelectStrategy(operations));
	}

	@Bean
	public CopyBatch copyBatch(TableOperations operations, CopyStrategies strategies, MergeControl merges,
			FailurePoints failurePoints, SourceGuard sourceGuard, JobRepository jobRepository,
			PlatformTransactionManager transactionManager) {
		return new CopyBatch(operations, strategies, merges, failurePoints, sourceGuard, jobRepository,
				transactionManager);
	}

	@Bean
	public CopyPartitionTasklet copyPartitionTasklet(TableOperations operations, ClickHouseCatalog catalog,
			CopyStrategies strategies, MergeControl merges, FailurePoints failurePoints, ProgressTracker progress,
			SourceGuard sourceGuard, CopyBatch batches, OperatorFlags flags) {
		return new CopyPartitionTasklet(operations, catalog, strategies, merges, failurePoints, progress, sourceGuard,
				new CopyPacing(), batches, flags);
	}

	@Bean
	public SwapTablesTasklet swapTablesTasklet(TableOperations operations, ClickHouseCatalog catalog,
			CopiedPartitions copiedPartitions, MergeControl merges, FailurePoints failurePoints, OwnedTables ownedTables,
			SourceGuard sourceGuard, @Value("${migration.exchange-wait:10m}") Duration exchangeWait,
			MigrationSettings settings, OperatorFlags flags, Hooks hooks) {
		return new SwapTablesTasklet(operations, catalog, copiedPartitions, merges, failurePoints, ownedTables, sourceGuard,
				exchangeWait, settings.mutationWait(), flags, hooks);
	}

	@Bean
	@StepScope
	public PartitionPlanner partitionPlanner(@Value("#{stepExecution}") StepExecution stepExecution,
			ProgressTracker progress) {
		var plan = Plan.entries(stepExecution.getJobExecution().getExecutionContext().get(PartitionPlanner.PLAN));
		String table = TableJobParameters.of(stepExecution.getJobParameters()).qualifiedTable();
		progress.begin(table, plan.stream().map(Plan.Entry::partition).toList());
		return new PartitionPlanner(table, plan);
	}

}
