package io.github.chmigrator.copy;

import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.github.chmigrator.clickhouse.Checksum;
import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.ClickHouseException;
import io.github.chmigrator.clickhouse.PartInfo;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.copy.CopyStrategy.CopyRequest;
import io.github.chmigrator.faults.FailurePoints;
import io.github.chmigrator.migration.CopyPacing;
import io.github.chmigrator.migration.DefinitionSync;
import io.github.chmigrator.migration.MergeControl;
import io.github.chmigrator.migration.OperatorFlags;
import io.github.chmigrator.migration.ProgressTracker;
import io.github.chmigrator.migration.SourceChanges;
import io.github.chmigrator.migration.SourceGuard;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.BlockRanges;
import io.github.chmigrator.partition.CopiedSourceParts;
import io.github.chmigrator.partition.PartitionDiff;
import io.github.chmigrator.partition.PartitionPlanner;

/**
 * The worker of the {@code copyPartitions} step: copies one partition into the work table,
 * verifies it, and records what it copied; with {@code --free-local-per-partition} it then drops
 * exactly the copied parts from the source (by default the source stays whole until the cut-over). It advances one state per
 * call and Spring Batch saves the ExecutionContext after each, so a rerun after a crash at any
 * instant resumes from the last recorded state (keys: {@link PartitionPlanner}):
 * <ol>
 * <li>no state: check the source ({@link SourceGuard}: no change the moved partitions lack, the
 * work table defined as the source), clear the target partition (the work table is not live, so a
 * partial copy can go), list the source parts, copy, verify rows (and the checksum), record
 * {@code COPIED};</li>
 * <li>{@code COPIED}: check the target still holds the recorded rows, drop the recorded parts from
 * the source (a part a merge absorbed stops the partition: its rows are not all in the
 * target), record {@code DONE};</li>
 * <li>{@code DONE}: log progress, wait {@code --insert-interval}, or longer to keep the table's
 * average copy rate under {@code --max-bytes-per-second} ({@link CopyPacing}); in a batch, only
 * after its last partition.</li>
 * </ol>
 * Small partitions are copied in batches before their workers run ({@link CopyBatch}); a worker
 * then finds its partition {@code DONE}, or finishes it from the state the batch recorded.
 * Rows inserted into the partition during the copy are in parts that were not copied: they stay
 * in the source and the {@code swapTables} step moves them.
 */
public class CopyPartitionTasklet implements Tasklet {

	private static final Logger logger = LoggerFactory.getLogger(CopyPartitionTasklet.class);

	private final TableOperations operations;

	private final ClickHouseCatalog catalog;

	private final CopyStrategies strategies;

	private final MergeControl merges;

	private final FailurePoints failurePoints;

	private final ProgressTracker progress;

	private final SourceGuard guard;

	private final CopyPacing pacing;

	private final CopyBatch batches;

	private final OperatorFlags flags;

	public CopyPartitionTasklet(TableOperations operations, ClickHouseCatalog catalog, CopyStrategies strategies,
			MergeControl merges, FailurePoints failurePoints, ProgressTracker progress, SourceGuard guard,
			CopyPacing pacing, CopyBatch batches, OperatorFlags flags) {
		this.flags = flags;
		this.batches = batches;
		this.guard = guard;
		this.pacing = pacing;
		this.operations = operations;
		this.catalog = catalog;
		this.strategies = strategies;
		this.merges = merges;
		this.failurePoints = failurePoints;
		this.progress = progress;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws InterruptedException {
		var stepExecution = contribution.getStepExecution();
		TableJobParameters job = TableJobParameters.of(stepExecution.getJobParameters());
		ExecutionContext context = stepExecution.getExecutionContext();
		String state = context.getString(PartitionPlanner.STATE, "");
		var parameters = stepExecution.getJobParameters();
		RuntimeException failedInBatch = this.batches.takeFailure(stepExecution);
		if (failedInBatch != null) {
			// as when this worker meets it: the partition stays as recorded, merges start again
			this.merges.release(job.database(), job.table(), context.getString(PartitionPlanner.PARTITION_ID));
			throw failedInBatch;
		}
		// each phase is safe to repeat, so a network error repeats it (design §11.2) before the step fails
		if (state.isEmpty() && context.containsKey(PartitionPlanner.IMPORTED)) {
			retrying(() -> verifyImported(job, context));
			return RepeatStatus.CONTINUABLE;
		}
		boolean whole = TableJobParameters.sourceWhole(parameters);
		if (state.isEmpty() && this.flags.throttled(job)) {
			// nothing copied yet: wait a second and ask again (a stop is seen between two calls)
			Thread.sleep(1000);
			return RepeatStatus.CONTINUABLE;
		}
		if (state.isEmpty()) {
			// the source changed in no way the moved partitions lack, and ADD COLUMN is carried over
			List<String> columns;
			try {
				columns = this.operations.client()
					.withRetry(() -> this.guard.verify(stepExecution.getJobExecution(), job, job.workTable()));
			}
			catch (DefinitionSync.DefinitionChanged ex) {
				if (!whole) {
					throw ex;
				}
				retrying(() -> defer(job, context));
				return RepeatStatus.CONTINUABLE;
			}
			retrying(() -> copy(job, context, columns, parameters.getString(TableJobParameters.STRATEGY, "auto"),
					"checksum".equals(parameters.getString(TableJobParameters.VERIFY)), whole));
			return RepeatStatus.CONTINUABLE;
		}
		if (state.equals(PartitionPlanner.COPIED)) {
			// a changed or replaced source (whose new parts may even bear the copied parts' names) keeps its parts
			retrying(() -> this.guard.checkSource(stepExecution.getJobExecution(), job));
			boolean accepted = SourceChanges.accepted(stepExecution.getJobExecution());
			retrying(() -> dropCopiedParts(job, context, whole, accepted));
			return RepeatStatus.CONTINUABLE;
		}
		this.progress.partitionDone(job.qualifiedTable(), context);
		double interval = stepExecution.getJobParameters().getDouble(TableJobParameters.INSERT_INTERVAL, 1.0);
		long limit = stepExecution.getJobParameters().getLong(TableJobParameters.MAX_BYTES_PER_SECOND, 0L);
		long pause = this.pacing.pauseAfter(stepExecution.getJobExecutionId(),
				context.getLong(PartitionPlanner.COPY_STARTED_AT, System.currentTimeMillis()),
				context.getLong(PartitionPlanner.PLANNED_BYTES, 0), limit);
		if (!this.batches.continues(stepExecution)) {
			Thread.sleep(Math.max(Math.round(interval * 1000), pause));
		}
		return RepeatStatus.FINISHED;
	}

	private void retrying(Runnable phase) {
		this.operations.client().withRetry(() -> {
			phase.run();
			return null;
		});
	}

	/**
	 * The source's definition changed in a way only a new work table carries: this partition is left
	 * for the catch-up, which makes the work table anew and copies every partition again. What an
	 * earlier attempt copied goes (the source, kept whole, holds it).
	 */
	private void defer(TableJobParameters job, ExecutionContext context) {
		String partitionId = context.getString(PartitionPlanner.PARTITION_ID);
		this.operations.dropPartition(job.database(), job.workTable(), partitionId);
		logger.info("Table {} partition {}: the source's definition changed; the partition is copied at the catch-up, "
				+ "into a work table made anew", job.qualifiedTable(), partitionId);
		recordCopied(context, "deferred", List.of(), 0, 0, 0);
		context.putString(PartitionPlanner.DEFERRED, "true");
		context.putLong(PartitionPlanner.COPY_STARTED_AT, System.currentTimeMillis());
		recordMoved(context);
	}

	private void copy(TableJobParameters job, ExecutionContext context, List<String> columns, String requested,
			boolean checksum, boolean whole) {
		String partitionId = context.getString(PartitionPlanner.PARTITION_ID);
		long started = System.nanoTime();
		// merges stay stopped on the source until the copied parts are dropped (dropCopiedParts
		// releases them), and on the work table until the swap; stopped again on every attempt, since
		// a server restart forgets SYSTEM STOP MERGES and a merge would fold copied rows
		this.operations.stopMerges(job.database(), job.workTable());
		this.merges.hold(job.database(), job.table(), partitionId);
		try {
			boolean workPartitionEmpty = refuseUnsafeRecopy(job, context, partitionId, whole);
			CopyStrategy strategy = this.strategies.select(requested);
			for (int attempt = 1;; attempt++) {
				long listed = System.currentTimeMillis();
				// before the parts: a patch written after this is not taken as copied
				Set<String> patches = this.operations.patchParts(job.database(), job.table())
					.getOrDefault(partitionId, Set.of());
				List<PartInfo> parts = this.operations.activeParts(job.database(), job.table(), partitionId);
				long rows = this.operations.rowsOfParts(job.database(), job.table(), names(parts));
				if (attempt > 1 || !workPartitionEmpty) {
					// what an earlier attempt copied goes: the work table is not live
					this.operations.dropPartition(job.database(), job.workTable(), partitionId);
				}
				strategy = copyOnce(job, requested, strategy, new CopyRequest(job.database(), job.table(), job.workTable(),
						partitionId, parts, columns));
				this.failurePoints.reached("copy.afterCopy", partitionId);
				long copied = this.operations.partitionRows(job.database(), job.workTable(), partitionId);
				if (copied == rows && !names(this.operations.activeParts(job.database(), job.table(), partitionId))
					.containsAll(names(parts))) {
					// as many rows in other parts (a partition replaced meanwhile): not what was listed
					copied = -1;
				}
				Attempt next = Attempt.after(attempt, copied, rows);
				if (next == Attempt.RECORD) {
					record(job, context, strategy, parts, rows, columns, checksum, attempt, started);
					context.putString(PartitionPlanner.COPIED_PATCHES, String.join(",", patches));
					context.putLong(PartitionPlanner.COPY_STARTED_AT, listed);
					return;
				}
				if (next == Attempt.GIVE_UP) {
					throw new IllegalStateException("partition " + partitionId + " of " + job.qualifiedTable() + " copied "
							+ copied + " rows of " + rows + " after " + attempt + " attempts; the source is intact");
				}
				logger.warn("Table {} partition {}: source had {} rows in {} parts, target has {} after {}: the partition changed while copied; copying again ({}/{})",
						job.qualifiedTable(), partitionId, rows, parts.size(), copied, strategy.name(), attempt, Attempt.MAX);
				if (next == Attempt.AGAIN_WITH_INSERT) {
					strategy = this.strategies.insert();
				}
			}
		}
		catch (RuntimeException ex) {
			this.merges.release(job.database(), job.table(), partitionId);
			throw ex;
		}
	}

	/**
	 * Before clearing the work table's partition for a first copy: if the table was already swapped,
	 * or the work partition holds rows while the source has fewer than planned, an earlier attempt
	 * may have dropped source parts whose record was lost. Clearing would lose those rows: stop.
	 * @return whether the work partition holds no part (nothing to clear before the copy)
	 */
	private boolean refuseUnsafeRecopy(TableJobParameters job, ExecutionContext context, String partitionId,
			boolean whole) {
		long inTarget = this.operations.storedRows(job.database(), job.workTable(), partitionId);
		if (inTarget == 0) {
			return true;
		}
		long inSource = this.operations.storedRows(job.database(), job.table(), partitionId);
		long planned = context.getLong(PartitionPlanner.PLANNED_ROWS, 0);
		boolean swapped = this.catalog.isOnPolicy(job.database(), job.table(), job.targetPolicy());
		// with the source kept whole nothing was dropped from it: only a swap makes clearing unsafe
		boolean copying = whole || context.containsKey(PartitionPlanner.COPYING);
		if (unsafeToClear(inTarget, inSource, planned, swapped, copying)) {
			throw new IllegalStateException("partition " + partitionId + " of " + job.qualifiedTable() + ": the work table "
					+ job.workTable() + " holds " + inTarget + " rows, the source " + inSource + " of " + planned + " planned"
					+ (swapped ? ", and the table is already on policy '" + job.targetPolicy() + "'" : "")
					+ "; an earlier attempt may have moved rows without recording it, so nothing is cleared or copied. "
					+ "Check both tables, then rerun");
		}
		return false;
	}

	/**
	 * A partition only the progress file knows: an earlier run copied it and dropped it from the
	 * source. Its recorded rows must be in the work table; parts the source holds for it now were
	 * inserted since and are moved by the swap. Never cleared, never copied again.
	 */
	private void verifyImported(TableJobParameters job, ExecutionContext context) {
		String partitionId = context.getString(PartitionPlanner.PARTITION_ID);
		long recorded = context.getLong(PartitionPlanner.PLANNED_ROWS);
		long inTarget = this.operations.partitionRows(job.database(), job.workTable(), partitionId);
		if (inTarget != recorded) {
			throw new IllegalStateException("partition " + partitionId + " of " + job.qualifiedTable()
					+ ": the progress file records " + recorded + " rows copied to " + job.workTable() + ", which holds "
					+ inTarget + "; the source no longer has the partition. Check by hand before rerunning");
		}
		context.putLong(PartitionPlanner.COPIED_ROWS, recorded);
		context.putString(PartitionPlanner.COPIED_BLOCKS, "");
		context.putString(PartitionPlanner.STRATEGY, "imported");
		// moved by an earlier run, before this job began
		context.putLong(PartitionPlanner.COPY_STARTED_AT, 0);
		context.putLong(PartitionPlanner.MOVED_AT, 0);
		context.putString(PartitionPlanner.STATE, PartitionPlanner.DONE);
	}

	private CopyStrategy copyOnce(TableJobParameters job, String requested, CopyStrategy strategy, CopyRequest request) {
		if (request.parts().isEmpty()) {
			return strategy;
		}
		try {
			strategy.copy(request);
			return strategy;
		}
		catch (ClickHouseException ex) {
			if (!strategy.name().equals("attach") || !this.strategies.fallBackAfter(requested, job.qualifiedTable(), request.partitionId(), ex)) {
				throw ex;
			}
			this.operations.dropPartition(job.database(), job.workTable(), request.partitionId());
			CopyStrategy insert = this.strategies.insert();
			insert.copy(request);
			return insert;
		}
	}

	private void record(TableJobParameters job, ExecutionContext context, CopyStrategy strategy, List<PartInfo> parts,
			long rows, List<String> columns, boolean checksum, int attempts, long started) {
		String partitionId = context.getString(PartitionPlanner.PARTITION_ID);
		if (checksum && !parts.isEmpty()) {
			Checksum source = this.operations.checksumOfParts(job.database(), job.table(), columns, names(parts));
			Checksum target = this.operations.checksumOfPartition(job.database(), job.workTable(), columns, partitionId);
			if (!source.equals(target)) {
				throw new IllegalStateException("partition " + partitionId + " of " + job.qualifiedTable()
						+ ": checksum differs after copy (source " + source + ", target " + target + "); the source is intact");
			}
			context.putString(PartitionPlanner.CHECKSUM, source.hash());
		}
		recordCopied(context, strategy.name(), parts, rows, (System.nanoTime() - started) / 1e9, attempts);
	}

	/** Records a verified copy ({@code COPIED}): from here on the copied parts may leave the source. */
	static void recordCopied(ExecutionContext context, String strategy, List<PartInfo> parts, long rows, double seconds,
			int attempts) {
		context.putString(PartitionPlanner.COPIED_PARTS, String.join(",", names(parts)));
		context.putString(PartitionPlanner.COPIED_HASHES, PartitionDiff.hashes(parts));
		context.putString(PartitionPlanner.COPIED_BLOCKS, BlockRanges.of(parts).format());
		context.putLong(PartitionPlanner.COPIED_ROWS, rows);
		context.putString(PartitionPlanner.STRATEGY, strategy);
		context.putDouble(PartitionPlanner.SECONDS, seconds);
		context.putInt(PartitionPlanner.ATTEMPTS, attempts);
		context.putString(PartitionPlanner.STATE, PartitionPlanner.COPIED);
		context.remove(PartitionPlanner.COPYING);
	}

	/** Records that the copied parts are gone from the source (or kept): {@code DONE}. */
	static void recordMoved(ExecutionContext context) {
		context.putLong(PartitionPlanner.MOVED_AT, System.currentTimeMillis());
		context.putString(PartitionPlanner.STATE, PartitionPlanner.DONE);
	}

	/** Why a source part is neither dropped nor kept: it merged copied rows with later ones. */
	static IllegalStateException mergedWithLaterRows(TableJobParameters job, String partitionId, PartInfo part) {
		return new IllegalStateException("partition " + partitionId + " of " + job.qualifiedTable() + ": part "
				+ part.name() + " merged copied rows with rows inserted later; it was not dropped. Its copied rows are in "
				+ job.workTable() + "; resolve by hand (see docs/troubleshooting.md)");
	}

	/**
	 * @param accepted whether the operator accepted source changes ({@code --accept-source-changes}):
	 * the work partition may then hold what they carried to it instead of the rows copied
	 */
	private void dropCopiedParts(TableJobParameters job, ExecutionContext context, boolean whole, boolean accepted) {
		String partitionId = context.getString(PartitionPlanner.PARTITION_ID);
		long recorded = context.getLong(PartitionPlanner.COPIED_ROWS);
		long inTarget = this.operations.partitionRows(job.database(), job.workTable(), partitionId);
		if (inTarget != recorded && accepted) {
			logger.warn("Table {} partition {}: the work table {} holds {} rows, {} were copied, as the source changes "
					+ "accepted with --accept-source-changes explain", job.qualifiedTable(), partitionId, job.workTable(),
					inTarget, recorded);
		}
		else if (inTarget != recorded) {
			this.merges.release(job.database(), job.table(), partitionId);
			throw new IllegalStateException("partition " + partitionId + " of " + job.qualifiedTable() + ": the work table "
					+ job.workTable() + " holds " + inTarget + " rows, " + recorded + " were copied; the source is intact");
		}
		this.merges.hold(job.database(), job.table(), partitionId);
		try {
			if (!whole) {
				dropParts(job, context, partitionId);
			}
		}
		finally {
			this.merges.release(job.database(), job.table(), partitionId);
		}
		recordMoved(context);
	}

	private void dropParts(TableJobParameters job, ExecutionContext context, String partitionId) {
		CopiedSourceParts.drop(this.operations, job.database(), job.table(), partitionId,
				BlockRanges.parse(context.getString(PartitionPlanner.COPIED_BLOCKS, "")),
				(part) -> mergedWithLaterRows(job, partitionId, part),
				() -> this.failurePoints.reached("copy.afterDropPart", partitionId));
	}

	/**
	 * What follows one copy attempt of a partition: its rows are recorded when the work table holds
	 * as many as the listed parts did; otherwise (an insert, merge or mutation changed the partition
	 * meanwhile) it is copied again, after {@value #MAX} attempts with INSERT (which reads one
	 * snapshot), and once more before the partition fails with the source intact.
	 */
	enum Attempt {

		RECORD, AGAIN, AGAIN_WITH_INSERT, GIVE_UP;

		static final int MAX = 3;

		static Attempt after(int attempt, long copied, long listed) {
			if (copied == listed) {
				return RECORD;
			}
			if (attempt > MAX) {
				return GIVE_UP;
			}
			return (attempt == MAX) ? AGAIN_WITH_INSERT : AGAIN;
		}

	}

	/**
	 * Whether clearing a work partition for a first copy could lose rows: it holds rows while the
	 * source holds fewer than planned (an earlier attempt may have dropped source parts without its
	 * record), unless a batch of this job instance recorded that it was copying the partition
	 * ({@code copying}: nothing was dropped, the operator removed those rows); or the table was
	 * already swapped.
	 */
	static boolean unsafeToClear(long inTarget, long inSource, long planned, boolean swapped, boolean copying) {
		return inTarget > 0 && (swapped || (!copying && inSource < planned));
	}

	private static List<String> names(List<PartInfo> parts) {
		return parts.stream().map(PartInfo::name).toList();
	}

}
