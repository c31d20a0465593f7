package io.github.chmigrator.move;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.StoragePolicy;
import io.github.chmigrator.clickhouse.TableInfo;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.migration.MigrationOutcome;
import io.github.chmigrator.migration.TableJobParameters;

/**
 * The {@code validateMoves} step of an in-place migration: the table is still on the target policy,
 * and no active part of it is off the S3 volume. Parts that are (merges and inserts during the
 * run, partitions that appeared after planning, the {@code patch-…} partitions of lightweight
 * updates, which no worker plans) are moved, table-wide, for a bounded number of
 * rounds, with one grouped {@code system.parts} read per round. What is left then fails the step
 * when the policy's first volume is that S3 volume (nothing should write elsewhere); when the first
 * volume is local, new inserts land there by design: the step says so and finishes.
 */
public class ValidateMovesTasklet implements Tasklet {

	private static final Logger logger = LoggerFactory.getLogger(ValidateMovesTasklet.class);

	private static final int LISTED = 10;

	private final ClickHouseCatalog catalog;

	private final TableOperations operations;

	private final PartitionMover mover;

	public ValidateMovesTasklet(ClickHouseCatalog catalog, TableOperations operations, PartitionMover mover) {
		this.catalog = catalog;
		this.operations = operations;
		this.mover = mover;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		TableJobParameters job = TableJobParameters.of(contribution.getStepExecution().getJobParameters());
		ExecutionContext jobContext = contribution.getStepExecution().getJobExecution().getExecutionContext();
		String volume = jobContext.getString(MigrationOutcome.MOVE_VOLUME);
		List<String> disks = Arrays.asList(jobContext.getString(MigrationOutcome.MOVE_DISKS).split(","));
		TableInfo table = this.catalog.table(job.database(), job.table())
			.orElseThrow(() -> new MigratorException(ExitCodes.FAILED, "table %s is gone".formatted(job.qualifiedTable())));
		if (!table.storagePolicy().equals(job.targetPolicy())) {
			throw new MigratorException(ExitCodes.FAILED, ("table %s is on storage policy '%s' now, not '%s': its policy "
					+ "was changed during the run; rerun to set it again").formatted(job.qualifiedTable(),
							table.storagePolicy(), job.targetPolicy()));
		}
		Map<String, Long> off = offVolume(job, disks);
		for (int round = 0; round < PartitionMover.ROUNDS && !off.isEmpty(); round++) {
			logger.info("Table {}: {} parts in {} partitions are off volume '{}' (written or merged during the run, "
					+ "or patch parts of lightweight updates): moving them",
					job.qualifiedTable(), off.values().stream().mapToLong(Long::longValue).sum(), off.size(), volume);
			for (String partitionId : off.keySet()) {
				this.mover.move(job.database(), job.table(), partitionId, volume, disks);
			}
			off = offVolume(job, disks);
		}
		StoragePolicy.Volume first = this.catalog.storagePolicies()
			.stream()
			.filter((policy) -> policy.name().equals(job.targetPolicy()))
			.findFirst()
			.map(StoragePolicy::firstVolume)
			.orElseThrow(() -> new MigratorException(ExitCodes.FAILED,
					"storage policy '%s' is gone from the server".formatted(job.targetPolicy())));
		if (!off.isEmpty()) {
			String listed = String.join(", ", off.keySet().stream().limit(LISTED).toList())
					+ ((off.size() > LISTED) ? ", …" : "");
			if (first.name().equals(volume)) {
				throw new MigratorException(ExitCodes.FAILED, ("table %s: %d partitions still have parts off volume '%s' "
						+ "after %d rounds of moves (%s), although new parts are written there; rerun to move them")
					.formatted(job.qualifiedTable(), off.size(), volume, PartitionMover.ROUNDS, listed));
			}
			logger.warn("Table {}: parts of {} partitions ({}) are on volume '{}', where policy '{}' writes new inserts; "
					+ "they were written during the run. Rerun to move them", job.qualifiedTable(), off.size(), listed,
					first.name(), job.targetPolicy());
		}
		else {
			logger.info("Table {}: every part is on volume '{}' (disks {}): {} rows, {}", job.qualifiedTable(), volume,
					disks, Sizes.count(table.totalRows()), Sizes.bytes(table.totalBytes()));
		}
		logger.info("Table {}: new inserts land on volume '{}' (disks {}), the first of policy '{}'", job.qualifiedTable(),
				first.name(), first.diskNames(), job.targetPolicy());
		return RepeatStatus.FINISHED;
	}

	private Map<String, Long> offVolume(TableJobParameters job, List<String> disks) {
		return this.operations.client().withRetry(() -> this.operations.partsOffDisks(job.database(), job.table(), disks));
	}

}
