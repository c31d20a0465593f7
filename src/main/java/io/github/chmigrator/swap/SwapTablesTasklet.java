package io.github.chmigrator.swap;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.DdlRewriter;
import io.github.chmigrator.clickhouse.MutationInfo;
import io.github.chmigrator.clickhouse.PartInfo;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.faults.FailurePoints;
import io.github.chmigrator.migration.Hooks;
import io.github.chmigrator.migration.MergeControl;
import io.github.chmigrator.migration.OperatorFlags;
import io.github.chmigrator.migration.MigrationOutcome;
import io.github.chmigrator.migration.OwnedTables;
import io.github.chmigrator.migration.SourceGuard;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.BlockRanges;
import io.github.chmigrator.partition.CopiedPartitions;
import io.github.chmigrator.partition.PartitionDiff;

/**
 * The {@code swapTables} step: the original name ends up holding the S3 data. With the source
 * kept whole (the default) it first brings the work table in step with the source and cuts over
 * ({@link LiveCatchUp}, {@link CutOver}), then exchanges, checks the old table, puts the source's
 * comment back, moves what landed in the old table around the exchange and retires it. With
 * {@code --free-local-per-partition} (partitions left the source as they were copied):
 * <ol>
 * <li>Rows that reached the source after their partition was copied are moved into the work
 * table ({@link CatchUp}).</li>
 * <li>{@code EXCHANGE TABLES} on Atomic databases, one multi-table {@code RENAME} elsewhere. Whether
 * it happened is read back from the tables' storage policies, so a crash right after it is safe.</li>
 * <li>INSERTs that started before the exchange are waited for (they resolved the old table and
 * write into it; ClickHouse's exchange does not wait for them), up to {@code migration.exchange-wait}.</li>
 * <li>Rows that reached the old table in the last moments before the exchange are moved into the
 * now live table.</li>
 * <li>The old table is dropped when empty, or kept as {@code <table>_origin} with {@code --keep-source};
 * the staging table {@code <table>__late} is dropped.</li>
 * </ol>
 * ExecutionContext keys: {@value #PHASE}: empty, {@code SWAPPED}, then {@code DONE};
 * {@value #EXCHANGED_AT}: the server's clock right after the exchange; {@value #DRAINED}: set once no
 * INSERT that started before it is running.
 */
public class SwapTablesTasklet implements Tasklet {

	static final String PHASE = "phase";

	static final String SWAPPED = "SWAPPED";

	static final String EXCHANGED_AT = "exchangedAt";

	static final String DRAINED = "insertsDrained";

	/** Bound on the moves made before the swap when inserts keep coming; the rest moves after it. */
	private static final int MAX_MOVES_BEFORE_SWAP = 20;

	private static final String MOVES_BEFORE_SWAP = "movesBeforeSwap";

	/** Set once the old table was checked after the exchange and the source's comment put back. */
	private static final String OLD_TABLE_CHECKED = "oldTableChecked";

	/** The holder of the old table's stopped merges after the exchange. */
	private static final String OLD_TABLE = "old-table";

	private static final Logger logger = LoggerFactory.getLogger(SwapTablesTasklet.class);

	private final TableOperations operations;

	private final ClickHouseCatalog catalog;

	private final CopiedPartitions copied;

	private final CatchUp catchUp;

	private final FailurePoints failurePoints;

	private final OwnedTables owned;

	private final SourceGuard guard;

	private final PreExchangeInserts preExchangeInserts;

	/** The copied blocks of the step execution in progress, by its id. */
	private Map.Entry<Long, Map<String, BlockRanges>> copiedFor;

	/** What was copied, with the source kept whole, for the step execution in progress, by its id. */
	private Map.Entry<Long, Map<String, LiveCatchUp.Copied>> wholeFor;

	private final MergeControl merges;

	private final LiveCatchUp liveCatchUp;

	private final CutOver cutOver;

	private final Hooks hooks;

	public SwapTablesTasklet(TableOperations operations, ClickHouseCatalog catalog, CopiedPartitions copied,
			MergeControl merges, FailurePoints failurePoints, OwnedTables owned, SourceGuard guard,
			Duration exchangeWait, Duration mutationWait, OperatorFlags flags, Hooks hooks) {
		this.hooks = hooks;
		this.guard = guard;
		this.preExchangeInserts = new PreExchangeInserts(operations, exchangeWait);
		this.operations = operations;
		this.catalog = catalog;
		this.copied = copied;
		this.merges = merges;
		this.catchUp = new CatchUp(operations, catalog, merges, failurePoints, owned, guard);
		this.liveCatchUp = new LiveCatchUp(operations, catalog, merges, owned, guard, this.catchUp, failurePoints);
		this.cutOver = new CutOver(operations, merges, this.liveCatchUp, failurePoints, mutationWait, flags, hooks);
		this.failurePoints = failurePoints;
		this.owned = owned;
	}

	/**
	 * The source kept whole (the default): catch up and cut over ({@link CutOver}), exchange, then
	 * check the old table, put the user's comment back, move what landed in the old table around the
	 * exchange, and retire the old table once every part of it is accounted for.
	 */
	private RepeatStatus wholeSource(StepExecution step, TableJobParameters job, boolean keepSource)
			throws InterruptedException {
		ExecutionContext context = step.getExecutionContext();
		Map<String, LiveCatchUp.Copied> copied = wholeRecords(step);
		var client = this.operations.client();
		if (context.getString(PHASE, "").isEmpty()) {
			boolean swapped = client.withRetry(() -> swapped(job));
			if (!swapped) {
				this.operations.stopMerges(job.database(), job.workTable());
				try {
					if (!this.cutOver.ready(job, copied, context, step.getJobExecution())) {
						return RepeatStatus.CONTINUABLE;
					}
				}
				catch (RuntimeException ex) {
					// the run stops before the exchange: the live table gets its merges back
					this.cutOver.releaseMerges(job);
					throw ex;
				}
			}
			client.withRetry(() -> swap(job));
			context.putLong(EXCHANGED_AT, client.withRetry(this.operations::serverTimeMillis));
			context.putString(PHASE, SWAPPED);
			// the name now holds the new table: merges start there (the old one keeps them stopped)
			this.merges.release(job.database(), job.table(), CutOver.HOLDER);
			return RepeatStatus.CONTINUABLE;
		}
		// the old table holds every copied part beside the late ones: a merge must not fold them
		// together, so its merges stay stopped until it is retired (also after a server restart)
		this.merges.hold(job.database(), job.workTable(), OLD_TABLE);
		if (!context.containsKey(DRAINED)) {
			this.preExchangeInserts.await(job, context.getLong(EXCHANGED_AT));
			context.putString(DRAINED, "true");
			return RepeatStatus.CONTINUABLE;
		}
		if (!context.containsKey(OLD_TABLE_CHECKED)) {
			client.withRetry(() -> checkOldTable(job, context));
			context.putString(OLD_TABLE_CHECKED, "true");
			return RepeatStatus.CONTINUABLE;
		}
		if (client.withRetry(() -> this.catchUp.step(job.database(), job.workTable(), job.table(), job.stagingTable(),
				() -> lateParts(job, copied, context), false, context, step.getJobExecution()))) {
			return RepeatStatus.CONTINUABLE;
		}
		client.withRetry(() -> {
			// merges on the old table start again only as it is renamed or dropped
			this.merges.release(job.database(), job.workTable(), OLD_TABLE);
			return retireOldTable(job, keepSource, step);
		});
		context.putString(PHASE, "DONE");
		if (context.containsKey(CutOver.STARTED_AT)) {
			long now = System.currentTimeMillis();
			double seconds = (now - context.getLong(CutOver.STARTED_AT)) / 1000.0;
			context.putDouble(MigrationOutcome.CUT_OVER_SECONDS, seconds);
			logger.info("Table {}: cut-over took {} s (last check, exchange, late rows, old table retired); merges on the "
					+ "source were stopped for the last {} s of the catch-up", job.qualifiedTable(), "%.2f".formatted(seconds),
					"%.2f".formatted((context.getLong(CutOver.STARTED_AT) - context.getLong(CutOver.MERGES_STOPPED_AT,
							context.getLong(CutOver.STARTED_AT))) / 1000.0));
		}
		synchronized (this) {
			this.wholeFor = null;
		}
		return swapped(job, keepSource);
	}

	/**
	 * After the exchange: a mutation created on the source after merges stopped for the cut-over
	 * (in the instant before the exchange) reached the old table, not the live one, and cannot run
	 * there: the old table is kept and the run stops with the mutation named. Then the live table
	 * gets back the comment the source had (the work table's was the migrator's marker).
	 */
	private boolean checkOldTable(TableJobParameters job, ExecutionContext context) {
		long last = context.getLong(CutOver.LAST_MUTATION, Long.MAX_VALUE);
		List<MutationInfo> late = this.operations.mutations(job.database(), job.workTable())
			.stream()
			.filter((mutation) -> mutation.number() > last)
			.toList();
		if (!late.isEmpty()) {
			MutationInfo first = late.get(0);
			throw new MigratorException(ExitCodes.FAILED, ("%s: mutation %s (%s) was created on the source at the moment of "
					+ "the cut-over, after merges stopped there, so it reached the old table %s.%s and not the live table. "
					+ "Both tables are kept and nothing was dropped: apply it to %s (ALTER TABLE %s %s), then KILL MUTATION "
					+ "WHERE database = '%s' AND table = '%s' AND mutation_id = '%s', and rerun")
				.formatted(job.qualifiedTable(), first.id(), first.command().strip(), job.database(), job.workTable(),
						job.qualifiedTable(), job.qualifiedTable(), first.command().strip(), job.database(), job.workTable(),
						first.id()));
		}
		String comment = DdlRewriter.comment(this.operations.showCreateTable(job.database(), job.workTable()));
		this.operations.modifyComment(job.database(), job.table(), comment);
		return true;
	}

	/**
	 * The parts that reached the old table after the last catch-up before the exchange; any other
	 * difference from what was copied (a part dropped or mutated around the exchange) cannot be
	 * carried exactly any more: the run stops, both tables kept.
	 */
	private Map<String, List<PartInfo>> lateParts(TableJobParameters job, Map<String, LiveCatchUp.Copied> copied,
			ExecutionContext context) {
		Map<String, List<PartInfo>> late = new LinkedHashMap<>();
		this.liveCatchUp.differences(job.database(), job.workTable(), copied, context).forEach((id, diff) -> {
			if (diff.kind() == PartitionDiff.Kind.RECOPY) {
				throw new MigratorException(ExitCodes.FAILED, ("%s: partition %s of the old table %s.%s changed around the "
						+ "exchange (%s), which cannot be carried to the live table exactly any more. Both tables are kept "
						+ "and nothing was dropped: make %s hold what the old table's partition means, then drop %s.%s")
					.formatted(job.qualifiedTable(), id, job.database(), job.workTable(), diff.reason(),
							job.qualifiedTable(), job.database(), job.workTable()));
			}
			late.put(id, diff.newParts());
		});
		return late;
	}

	/** The workers' records in the form the catch-up needs, read once per execution of this step. */
	private synchronized Map<String, LiveCatchUp.Copied> wholeRecords(StepExecution step) {
		if (this.wholeFor == null || !this.wholeFor.getKey().equals(step.getId())) {
			Map<String, LiveCatchUp.Copied> records = new LinkedHashMap<>();
			this.copied.forEach(step.getJobExecution(),
					(partition) -> records.put(partition.planned().partitionId(), LiveCatchUp.fromWorker(partition)));
			this.wholeFor = Map.entry(step.getId(), records);
		}
		return this.wholeFor.getValue();
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws InterruptedException {
		StepExecution step = contribution.getStepExecution();
		TableJobParameters job = TableJobParameters.of(step.getJobParameters());
		boolean keepSource = TableJobParameters.flag(step.getJobParameters(), TableJobParameters.KEEP_SOURCE);
		if (TableJobParameters.sourceWhole(step.getJobParameters())) {
			return wholeSource(step, job, keepSource);
		}
		ExecutionContext context = step.getExecutionContext();
		Map<String, BlockRanges> copied = copiedBlocks(step);
		// every call below is safe to repeat, so a network error repeats it (design §11.2)
		var client = this.operations.client();
		if (context.getString(PHASE, "").isEmpty()) {
			boolean swapped = client.withRetry(() -> swapped(job));
			if (!swapped) {
				// the work table keeps still until the exchange, also after a server restart; the source
				// changed in no way the moved partitions lack, and the work table is defined as it
				this.operations.stopMerges(job.database(), job.workTable());
				client.withRetry(() -> this.guard.verifyBeforeMoves(step.getJobExecution(), job));
			}
			if (!swapped && context.getInt(MOVES_BEFORE_SWAP, 0) < MAX_MOVES_BEFORE_SWAP
					&& client.withRetry(() -> this.catchUp.step(job.database(), job.table(), job.workTable(),
							job.stagingTable(), copied, keepSource, context, step.getJobExecution()))) {
				context.putInt(MOVES_BEFORE_SWAP, context.getInt(MOVES_BEFORE_SWAP, 0) + 1);
				return RepeatStatus.CONTINUABLE;
			}
			if (!swapped) {
				this.hooks.require(Hooks.ON_BEFORE_CUT_OVER, step.getJobExecution(), Map.of());
			}
			client.withRetry(() -> swap(job));
			// read after the exchange: every INSERT that resolved the old table started before this
			context.putLong(EXCHANGED_AT, client.withRetry(this.operations::serverTimeMillis));
			context.putString(PHASE, SWAPPED);
			return RepeatStatus.CONTINUABLE;
		}
		if (!context.containsKey(DRAINED)) {
			this.preExchangeInserts.await(job, context.getLong(EXCHANGED_AT));
			context.putString(DRAINED, "true");
			return RepeatStatus.CONTINUABLE;
		}
		if (client.withRetry(() -> this.catchUp.step(job.database(), job.workTable(), job.table(), job.stagingTable(), copied,
				keepSource, context, step.getJobExecution()))) {
			return RepeatStatus.CONTINUABLE;
		}
		client.withRetry(() -> retireOldTable(job, keepSource, step));
		context.putString(PHASE, "DONE");
		synchronized (this) {
			this.copiedFor = null;
		}
		return swapped(job, keepSource);
	}

	private static RepeatStatus swapped(TableJobParameters job, boolean keepSource) {
		logger.info("Table {}: swapped; {} now holds the data on storage policy '{}'{}", job.qualifiedTable(),
				job.qualifiedTable(), job.targetPolicy(),
				keepSource ? "; the original table is kept as " + job.database() + "." + job.originTable() : "");
		return RepeatStatus.FINISHED;
	}

	/**
	 * What the copy workers recorded, read once per execution of this step (their records do not
	 * change while it runs): a read per partition on every call would make the swap quadratic.
	 */
	private synchronized Map<String, BlockRanges> copiedBlocks(StepExecution step) {
		if (this.copiedFor == null || !this.copiedFor.getKey().equals(step.getId())) {
			Map<String, BlockRanges> copied = new HashMap<>();
			this.copied.forEach(step.getJobExecution(),
					(partition) -> copied.put(partition.planned().partitionId(), partition.blocks()));
			this.copiedFor = Map.entry(step.getId(), copied);
		}
		return this.copiedFor.getValue();
	}

	/** Whether the exchange already happened: the name holds the target policy, the work table the old one. */
	private boolean swapped(TableJobParameters job) {
		Map<String, String> policies = this.catalog.storagePolicies(job.database(), List.of(job.table(), job.workTable()));
		String table = policies.get(job.table());
		String work = policies.get(job.workTable());
		return table != null && work != null && table.equals(job.targetPolicy()) && !work.equals(job.targetPolicy());
	}

	private boolean swap(TableJobParameters job) {
		if (!swapped(job)) {
			this.failurePoints.reached("swap.beforeExchange", null);
			String engine = this.catalog.databaseEngine(job.database()).orElse("");
			if (engine.equals("Atomic")) {
				this.operations.exchangeTables(job.database(), job.table(), job.workTable());
			}
			else {
				this.operations.swapByRename(job.database(), job.table(), job.workTable(), job.table() + "__swap");
			}
			this.failurePoints.reached("swap.afterExchange", null);
			logger.info("Table {}: exchanged with {} ({} database)", job.qualifiedTable(), job.workTable(), engine);
		}
		// also after a crash right after the exchange: merges were stopped on the work table since
		// cloneSchema and that follows it through the exchange. The new table takes inserts and
		// merges from now on; the old one keeps still for the last moves.
		this.operations.startMerges(job.database(), job.table());
		this.operations.stopMerges(job.database(), job.workTable());
		return true;
	}

	/**
	 * Detached parts (an operator's {@code DETACH PARTITION|PART} during the run) live in the old
	 * table's directory: it is kept, as {@code <table>_origin} when that name is free, instead of
	 * being dropped with them.
	 * @return whether the old table was kept
	 */
	private boolean keepWithDetachedParts(TableJobParameters job, ExecutionContext context) {
		List<String> detached = this.catalog.detachedParts(job.database(), job.workTable());
		if (detached.isEmpty()) {
			return false;
		}
		String kept = job.workTable();
		if (this.catalog.table(job.database(), job.originTable()).isEmpty()) {
			this.operations.renameTable(job.database(), job.workTable(), job.originTable());
			kept = job.originTable();
		}
		String note = "%s.%s (%d detached parts: %s)".formatted(job.database(), kept, detached.size(),
				String.join(", ", detached));
		context.putString(MigrationOutcome.KEPT_OLD_TABLE, note);
		logger.warn("Table {}: the old table holds detached parts, so it was kept instead of dropped: {}; "
				+ "attach them to {} (ALTER TABLE … ATTACH PART after moving them) or drop them, then drop the old table",
				job.qualifiedTable(), note, job.qualifiedTable());
		return true;
	}


	/**
	 * The old table goes (or is kept), then the staging table: once the old table is gone no catch-up
	 * can need the staging table again, so it is never created anew under its recorded UUID while
	 * the dropped one still holds it.
	 */
	private boolean retireOldTable(TableJobParameters job, boolean keepSource, StepExecution step) {
		retireOld(job, keepSource, TableJobParameters.sourceWhole(step.getJobParameters()), step.getExecutionContext());
		this.catalog.table(job.database(), job.stagingTable())
			.filter((staging) -> this.owned.owns(step.getJobExecution(), OwnedTables.STAGING, staging))
			.ifPresent((staging) -> this.operations.dropTable(job.database(), staging.name()));
		return true;
	}

	private void retireOld(TableJobParameters job, boolean keepSource, boolean whole, ExecutionContext context) {
		if (this.catalog.table(job.database(), job.workTable()).isEmpty()) {
			return;
		}
		if (keepSource) {
			this.operations.renameTable(job.database(), job.workTable(), job.originTable());
			this.operations.startMerges(job.database(), job.originTable());
			return;
		}
		if (keepWithDetachedParts(job, context)) {
			return;
		}
		if (whole) {
			// every part of the old table was copied to the live one: the last catch-up found nothing left
			this.operations.dropTable(job.database(), job.workTable());
			return;
		}
		long left = this.operations.partitionRowsTotal(job.database(), job.workTable());
		if (left > 0) {
			throw new MigratorException(ExitCodes.FAILED, "the old table, now " + job.database() + "." + job.workTable()
					+ ", still holds " + left + " rows that were not moved; it was not dropped");
		}
		this.operations.dropTable(job.database(), job.workTable());
	}

}
