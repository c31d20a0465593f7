package io.github.chmigrator.plan;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.PartitionInfo;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.legacy.ProgressFile.PartitionProgress;
import io.github.chmigrator.legacy.ProgressImport;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.PartitionPlanner;
import io.github.chmigrator.partition.Plan;

/**
 * The {@code planPartitions} step: reads the table's partitions once from {@code system.parts}
 * and logs what will move: each partition with its rows and bytes, then the totals. The plan is
 * stored in the job's ExecutionContext ({@link PartitionPlanner#PLAN}): a restart copies the same
 * partitions, and the validation checks every one of them.
 */
public class PlanPartitionsTasklet implements Tasklet {

	private static final Logger logger = LoggerFactory.getLogger(PlanPartitionsTasklet.class);

	private final ClickHouseCatalog catalog;

	private final TableOperations operations;

	private final ProgressImport progress;

	/**
	 * @param progress the progress file a {@code --resume} imports done partitions from; {@code null}
	 * for a plan of moves, which imports none
	 */
	public PlanPartitionsTasklet(ClickHouseCatalog catalog, TableOperations operations, ProgressImport progress) {
		this.catalog = catalog;
		this.operations = operations;
		this.progress = progress;
	}

	/**
	 * Adds what the progress file records as done: planned as imported, to be verified in the target
	 * instead of copied. The script copied such a partition and dropped it from its source, so its
	 * rows in the target exist nowhere else: it is never cleared or copied again. Rows the source
	 * holds for it now were inserted since, and are carried on top by the catch-up.
	 */
	static List<Plan.Entry> withProgressFile(TableJobParameters job, List<PartitionInfo> partitions,
			Map<String, PartitionProgress> done) {
		List<Plan.Entry> plan = new ArrayList<>();
		Set<String> inSource = new HashSet<>();
		for (PartitionInfo partition : partitions) {
			inSource.add(partition.partitionId());
			PartitionProgress recorded = done.get(partition.partitionId());
			if (recorded == null) {
				plan.add(new Plan.Entry(partition, false, ""));
				continue;
			}
			logger.info("Table {} partition {}: done according to the progress file ({} rows), and the source holds {} rows "
					+ "inserted since: verified in the target, those rows carried on top", job.qualifiedTable(),
					partition.partitionId(), Sizes.count(recorded.rows()), Sizes.count(partition.rows()));
			plan.add(new Plan.Entry(new PartitionInfo(partition.partitionId(), partition.partition(), recorded.rows(), 0, 0,
					List.of()), true, "imported from the progress file; rows inserted since carried on top"));
		}
		done.forEach((id, recorded) -> {
			if (!inSource.contains(id)) {
				logger.info("Table {} partition {}: done according to the progress file ({} rows); to be verified in the target",
						job.qualifiedTable(), id, Sizes.count(recorded.rows()));
				plan.add(new Plan.Entry(new PartitionInfo(id, id, recorded.rows(), 0, 0, List.of()), true,
						"imported from the progress file"));
			}
		});
		return plan;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		TableJobParameters job = TableJobParameters.of(contribution.getStepExecution().getJobParameters());
		List<PartitionInfo> partitions = this.catalog.partitions(job.database(), job.table());
		long rows = 0;
		long bytes = 0;
		for (int i = 0; i < partitions.size(); i++) {
			PartitionInfo partition = partitions.get(i);
			rows += partition.rows();
			bytes += partition.bytes();
			logger.info("Table {} partition {} (id {}) [{}/{}]: {} rows, {} in {} parts on {}", job.qualifiedTable(),
					partition.partition(), partition.partitionId(), i + 1, partitions.size(),
					Sizes.count(partition.rows()), Sizes.bytes(partition.bytes()), partition.parts(), partition.disks());
		}
		logger.info("Table {}: {} partitions, {} rows, {} to migrate", job.qualifiedTable(), partitions.size(),
				Sizes.count(rows), Sizes.bytes(bytes));
		boolean resume = TableJobParameters.flag(contribution.getStepExecution().getJobParameters(), TableJobParameters.RESUME);
		List<Plan.Entry> plan = withProgressFile(job, partitions,
				(resume && this.progress != null) ? this.progress.donePartitions(job.qualifiedTable()) : Map.of());
		var jobContext = contribution.getStepExecution().getJobExecution().getExecutionContext();
		jobContext.put(PartitionPlanner.PLAN, Plan.toContext(plan));
		return RepeatStatus.FINISHED;
	}

}
