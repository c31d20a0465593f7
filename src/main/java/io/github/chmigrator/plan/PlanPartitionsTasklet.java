package io.github.chmigrator.plan;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.PartitionInfo;
import io.github.chmigrator.job.TableJobParameters;
import io.github.chmigrator.report.Sizes;

/**
 * The {@code planPartitions} step: reads the table's partitions once from {@code system.parts}
 * and logs what will move: each partition with its rows and bytes, then the totals. The plan is
 * stored in the job's ExecutionContext ({@link PartitionPlanner#PLAN}): a restart copies the same
 * partitions, and the validation checks every one of them.
 */
public class PlanPartitionsTasklet implements Tasklet {

	private static final Logger logger = LoggerFactory.getLogger(PlanPartitionsTasklet.class);

	private final ClickHouseCatalog catalog;

	public PlanPartitionsTasklet(ClickHouseCatalog catalog) {
		this.catalog = catalog;
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
		contribution.getStepExecution().getJobExecution().getExecutionContext().put(PartitionPlanner.PLAN, Plan.toContext(partitions));
		return RepeatStatus.FINISHED;
	}

}
