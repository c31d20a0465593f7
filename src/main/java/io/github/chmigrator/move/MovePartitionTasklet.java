package io.github.chmigrator.move;

import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.github.chmigrator.migration.MigrationOutcome;
import io.github.chmigrator.migration.ProgressTracker;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.PartitionPlanner;

/**
 * The worker step of an in-place migration, one per ClickHouse partition ({@code
 * movePartition:p<id>}): moves the partition's parts that are not on the target policy's S3 volume
 * there ({@link PartitionMover}) and records {@code DONE} with the partition's rows, the parts and
 * bytes moved, in its ExecutionContext. A rerun after a failure or a kill simply moves what is
 * still off the volume: a move is atomic per part. Parts still off the volume after the rounds
 * (inserts landing on a local first volume) are left to {@code validateMoves}, which looks at the
 * whole table once every partition has moved. After a partition that moved, the worker waits
 * {@code --insert-interval}, as the copy does. A partition a {@link MoveBatch} moved with its group
 * is found {@code DONE} (also after a crash right after the group recorded it): the worker only
 * reports it.
 */
public class MovePartitionTasklet implements Tasklet {

	/** ExecutionContext key: parts this worker moved. */
	public static final String MOVED_PARTS = "movedParts";

	/** ExecutionContext key: their bytes. */
	public static final String MOVED_BYTES = "movedBytes";

	/** ExecutionContext key: parts of the partition still off the volume when the worker finished. */
	public static final String LEFT_OFF = "partsLeftOff";

	private static final Logger logger = LoggerFactory.getLogger(MovePartitionTasklet.class);

	private final PartitionMover mover;

	private final ProgressTracker progress;

	private final MoveBatch batch;

	public MovePartitionTasklet(PartitionMover mover, ProgressTracker progress, MoveBatch batch) {
		this.mover = mover;
		this.progress = progress;
		this.batch = batch;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws InterruptedException {
		StepExecution step = contribution.getStepExecution();
		ExecutionContext context = step.getExecutionContext();
		TableJobParameters job = TableJobParameters.of(step.getJobParameters());
		RuntimeException failedInGroup = this.batch.takeFailure(step);
		if (failedInGroup != null) {
			throw failedInGroup;
		}
		if (!PartitionPlanner.DONE.equals(context.getString(PartitionPlanner.STATE, ""))) {
			ExecutionContext jobContext = step.getJobExecution().getExecutionContext();
			String volume = jobContext.getString(MigrationOutcome.MOVE_VOLUME);
			List<String> disks = Arrays.asList(jobContext.getString(MigrationOutcome.MOVE_DISKS).split(","));
			String partitionId = context.getString(PartitionPlanner.PARTITION_ID);
			long startedAt = System.currentTimeMillis();
			long started = System.nanoTime();
			PartitionMover.Moved moved = this.mover.move(job.database(), job.table(), partitionId, volume, disks);
			record(context, moved, (System.nanoTime() - started) / 1e9, startedAt);
		}
		if (context.getInt(LEFT_OFF, 0) > 0) {
			logger.info("Table {} partition {}: {} parts appeared off volume '{}' while it moved; validateMoves moves them",
					job.qualifiedTable(), context.getString(PartitionPlanner.PARTITION_ID), context.getInt(LEFT_OFF),
					step.getJobExecution().getExecutionContext().getString(MigrationOutcome.MOVE_VOLUME));
		}
		this.progress.partitionDone(job.qualifiedTable(), context);
		// the design's pause between partitions (after a group's last): a move reads and writes the partition's bytes too
		double interval = step.getJobParameters().getDouble(TableJobParameters.INSERT_INTERVAL, 1.0);
		if (!this.batch.continues(step) && context.getInt(PartitionPlanner.ATTEMPTS, 0) > 0) {
			Thread.sleep(Math.round(interval * 1000));
		}
		return RepeatStatus.FINISHED;
	}

	/** Records what a partition's move did, and {@code DONE}, in its ExecutionContext. */
	static void record(ExecutionContext context, PartitionMover.Moved moved, double seconds, long startedAt) {
		context.putLong(PartitionPlanner.COPIED_ROWS, moved.rows());
		context.putInt(MOVED_PARTS, moved.movedParts());
		context.putLong(MOVED_BYTES, moved.movedBytes());
		context.putInt(LEFT_OFF, moved.left().size());
		context.putString(PartitionPlanner.STRATEGY, PartitionPlanner.MOVE);
		context.putDouble(PartitionPlanner.SECONDS, seconds);
		context.putInt(PartitionPlanner.ATTEMPTS, moved.rounds());
		context.putLong(PartitionPlanner.COPY_STARTED_AT, startedAt);
		context.putLong(PartitionPlanner.MOVED_AT, System.currentTimeMillis());
		context.putString(PartitionPlanner.STATE, PartitionPlanner.DONE);
	}

}
