package io.github.chmigrator.validate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.github.chmigrator.clickhouse.Checksum;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.migration.RemovedPartitions;
import io.github.chmigrator.migration.SourceChanges;
import io.github.chmigrator.migration.DefinitionSync;
import io.github.chmigrator.migration.SourceGuard;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.CopiedPartitions;
import io.github.chmigrator.partition.PartitionPlanner;

/**
 * The {@code validateTable} step, before the swap: every planned partition was copied and its
 * source parts dropped (or kept), the work table holds exactly the recorded rows of each
 * partition ({@code count()} per partition id, in one query) and in total, and with
 * {@code --verify checksum} each partition's hash of all stored columns is the one recorded from
 * the source. Merges on the work table stay stopped until the swap, so rows are compared as copied.
 * First, the source must not have changed in a way the moved partitions lack ({@link SourceGuard}).
 */
public class ValidateTableTasklet implements Tasklet {

	private static final Logger logger = LoggerFactory.getLogger(ValidateTableTasklet.class);

	private final TableOperations operations;

	private final CopiedPartitions copied;

	private final SourceGuard guard;

	public ValidateTableTasklet(TableOperations operations, CopiedPartitions copied, SourceGuard guard) {
		this.operations = operations;
		this.copied = copied;
		this.guard = guard;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		var stepExecution = contribution.getStepExecution();
		TableJobParameters job = TableJobParameters.of(stepExecution.getJobParameters());
		// again here: a server restarted since the copy forgot SYSTEM STOP MERGES, and a merge folds rows
		this.operations.stopMerges(job.database(), job.workTable());
		List<String> columns = columns(stepExecution.getJobExecution(), job);
		Map<String, String> removed = RemovedPartitions.removed(stepExecution.getJobExecution().getExecutionContext());
		List<String> problems = new ArrayList<>();
		List<String> differences = new ArrayList<>();
		Map<String, Long> rows = this.operations.rowsPerPartition(job.database(), job.workTable());
		long[] expected = { 0 };
		int[] partitions = { 0 };
		this.copied.forEach(stepExecution.getJobExecution(), (partition) -> {
			partitions[0]++;
			String id = partition.planned().partitionId();
			if (!partition.done()) {
				problems.add("partition " + id + " was not copied (status " + partition.status() + ")");
				return;
			}
			long actual = rows.getOrDefault(id, 0L);
			if (removed.containsKey(id)) {
				// removed from the source after it moved, and so from the work table: none left
				if (actual != 0) {
					differences.add("partition " + id + ": " + actual + " rows in " + job.workTable() + ", none after "
							+ removed.get(id));
				}
				return;
			}
			expected[0] += partition.copiedRows();
			if (actual != partition.copiedRows()) {
				differences.add("partition " + id + ": " + actual + " rows in " + job.workTable() + ", "
						+ partition.copiedRows() + " copied");
			}
			String recorded = partition.context().getString(PartitionPlanner.CHECKSUM, null);
			if (recorded != null && columns != null) {
				Checksum target = this.operations.checksumOfPartition(job.database(), job.workTable(), columns, id);
				if (!target.hash().equals(recorded)) {
					differences.add("partition " + id + ": checksum " + target.hash() + " in " + job.workTable()
							+ ", " + recorded + " copied");
				}
			}
		});
		long total = rows.values().stream().mapToLong(Long::longValue).sum();
		if (total != expected[0]) {
			differences.add(job.workTable() + " holds " + total + " rows in all, " + expected[0] + " were copied");
		}
		if (SourceChanges.accepted(stepExecution.getJobExecution()) && !differences.isEmpty()) {
			logger.warn("Table {}: {} differs from what was copied, as the source changes accepted with "
					+ "--accept-source-changes explain: {}", job.qualifiedTable(), job.workTable(), String.join("; ", differences));
		}
		else {
			problems.addAll(differences);
		}
		if (!problems.isEmpty()) {
			throw new IllegalStateException("validation of " + job.qualifiedTable() + " failed: " + String.join("; ", problems)
					+ "; nothing was swapped");
		}
		logger.info("Table {}: validated {} partitions, {} rows in {}", job.qualifiedTable(), partitions[0],
				Sizes.count(expected[0]), job.workTable());
		return RepeatStatus.FINISHED;
	}

	/**
	 * The source's stored columns, once the work table is defined as the source; {@code null} (rows
	 * compared, no checksum) when, with the source kept whole, only a new work table can carry the
	 * source's definition: the catch-up makes it and copies every partition again.
	 */
	private List<String> columns(JobExecution execution, TableJobParameters job) {
		try {
			return this.guard.verifyBeforeMoves(execution, job);
		}
		catch (DefinitionSync.DefinitionChanged ex) {
			if (!TableJobParameters.sourceWhole(execution.getJobParameters())) {
				throw ex;
			}
			return null;
		}
	}

}
