package io.github.chmigrator.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.faults.FailurePoints;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.BlockRanges;
import io.github.chmigrator.partition.CopiedSourceParts;
import io.github.chmigrator.partition.StagedMove;

/**
 * Puts one moved partition back into the live table for {@link TableAbort}, in recorded steps
 * (job ExecutionContext key {@code abort.<partition id>}: {@code STAGED}, then {@code DONE}).
 */
class PartitionPutBack {

	private static final String PREFIX = "abort.";

	private static final Logger logger = LoggerFactory.getLogger(PartitionPutBack.class);

	private final TableOperations operations;

	private final JobRepository jobRepository;

	private final FailurePoints failurePoints;

	PartitionPutBack(TableOperations operations, JobRepository jobRepository, FailurePoints failurePoints) {
		this.operations = operations;
		this.jobRepository = jobRepository;
		this.failurePoints = failurePoints;
	}

	/**
	 * @param back the private table on the source's policy the partition passes through
	 * @param rows the rows of the partition in the work table
	 * @param copied the block ranges its worker copied
	 * @return the rows put back
	 */
	long putBack(TableJobParameters table, JobExecution last, String back, String partitionId, long rows,
			BlockRanges copied) {
		ExecutionContext context = last.getExecutionContext();
		String key = PREFIX + partitionId;
		if (!context.getString(key, "").equals("STAGED")) {
			dropCopiedSourceParts(table, partitionId, copied);
			this.operations.dropPartition(table.database(), back, partitionId);
			this.operations.attachPartitionFrom(table.database(), back, table.workTable(), partitionId);
			long staged = this.operations.partitionRows(table.database(), back, partitionId);
			if (staged != rows) {
				throw new MigratorException(ExitCodes.FAILED, "--abort: staged %d rows of partition %s, %s holds %d; run --abort again"
					.formatted(staged, partitionId, table.workTable(), rows));
			}
			record(last, key, "STAGED");
			this.failurePoints.reached("abort.afterStage", partitionId);
		}
		long staged = this.operations.partitionRows(table.database(), back, partitionId);
		StagedMove state = StagedMove.of(staged, rows);
		if (state == StagedMove.TO_MOVE) {
			this.operations.movePartitionToTable(table.database(), back, partitionId, table.table());
			this.failurePoints.reached("abort.afterMove", partitionId);
		}
		else if (state == StagedMove.INCONSISTENT) {
			throw new MigratorException(ExitCodes.FAILED, "--abort: %s holds %d rows of partition %s, %d were staged; nothing was moved"
				.formatted(back, staged, partitionId, rows));
		}
		this.operations.dropPartition(table.database(), table.workTable(), partitionId);
		record(last, key, "DONE");
		logger.info("Table {} partition {}: put back {} rows", table.qualifiedTable(), partitionId, Sizes.count(rows));
		return rows;
	}

	/** Source parts whose rows the work table holds: their copies go back, so they go. */
	private void dropCopiedSourceParts(TableJobParameters table, String partitionId, BlockRanges copied) {
		CopiedSourceParts.drop(this.operations, table.database(), table.table(), partitionId, copied,
				(part) -> new MigratorException(ExitCodes.FAILED, "--abort: part " + part.name() + " of "
						+ table.qualifiedTable() + " merged copied rows with newer ones; resolve by hand (docs/troubleshooting.md)"),
				() -> {
				});
	}

	private void record(JobExecution last, String key, String state) {
		last.getExecutionContext().putString(key, state);
		this.jobRepository.updateExecutionContext(last);
	}

}
