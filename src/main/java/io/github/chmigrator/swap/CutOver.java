package io.github.chmigrator.swap;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.github.chmigrator.clickhouse.MutationInfo;
import io.github.chmigrator.clickhouse.PartInfo;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.faults.FailurePoints;
import io.github.chmigrator.migration.Hooks;
import io.github.chmigrator.migration.MergeControl;
import io.github.chmigrator.migration.OperatorFlags;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.PartitionDiff;

/**
 * The way to the exchange with the source kept whole: when it may happen, and the last changes
 * carried before it. One recorded state per call ({@value #STATE}):
 * <ol>
 * <li>catching up ({@link LiveCatchUp}), round after round, with merges on the source stopped from
 * the first round (the copy ran with them; a merge that folds a new part into copied ones makes the
 * partition be copied again, so with merges running the rounds would not converge), until a round
 * finds the work table in step or {@value #MAX_ROUNDS} rounds went by;</li>
 * <li>{@code WAITING}: for a moment without unfinished mutations on the source, with merges
 * running while there are some (mutations need them), up to {@code migration.mutation-wait}, with
 * a log line every 30 s; past it the run stops, nothing swapped, the live table whole;</li>
 * <li>{@code HELD}: merges (and so mutations) stopped on the source, the newest mutation's number
 * recorded; a mutation created meanwhile sends it back to waiting. At most {@value #HELD_ROUNDS}
 * more rounds carry the last changes (only inserts can still come, and what lands after the last
 * round is moved after the exchange); then the work table must hold, per partition, exactly the
 * rows of the source's parts it copied (one grouped {@code count()} on each table). A difference
 * sends it back to catching up, at most {@value #MAX_VERIFY_FAILURES} times before the run stops
 * with the partitions named.</li>
 * </ol>
 * The cut-over's length (from the last check before the exchange to the old table's retirement) is
 * recorded as {@link io.github.chmigrator.migration.MigrationOutcome#CUT_OVER_SECONDS}; how long
 * merges on the source stayed stopped is logged.
 */
class CutOver {

	static final String STATE = "cutOver.state";

	static final String WAITING = "WAITING";

	static final String HELD = "HELD";

	/** When the work table was found exactly in step with merges stopped, right before the exchange (epoch ms). */
	static final String STARTED_AT = "cutOver.startedAt";

	/** When merges on the source were first stopped for the catch-up (epoch ms). */
	static final String MERGES_STOPPED_AT = "cutOver.mergesStoppedAt";

	/** The newest mutation of the source when merges were stopped for the cut-over. */
	static final String LAST_MUTATION = "cutOver.lastMutation";

	static final String HOLDER = "cut-over";

	private static final String WAITING_SINCE = "cutOver.waitingSince";

	private static final String HELD_FROM_ROUND = "cutOver.heldFromRound";

	private static final String VERIFY_FAILURES = "cutOver.verifyFailures";

	private static final int MAX_ROUNDS = 10;

	private static final int HELD_ROUNDS = 3;

	private static final int MAX_VERIFY_FAILURES = 3;

	private static final long LOG_EVERY_MILLIS = 30_000;

	private static final long POSTPONED_ROUND_MILLIS = 5_000;

	private static final Logger logger = LoggerFactory.getLogger(CutOver.class);

	private final TableOperations operations;

	private final MergeControl merges;

	private final LiveCatchUp catchUp;

	private final Duration mutationWait;

	private long lastWaitLog;

	private final FailurePoints failurePoints;

	private final OperatorFlags flags;

	private final Hooks hooks;

	CutOver(TableOperations operations, MergeControl merges, LiveCatchUp catchUp, FailurePoints failurePoints,
			Duration mutationWait, OperatorFlags flags, Hooks hooks) {
		this.flags = flags;
		this.hooks = hooks;
		this.failurePoints = failurePoints;
		this.operations = operations;
		this.merges = merges;
		this.catchUp = catchUp;
		this.mutationWait = mutationWait;
	}

	/**
	 * Advances toward the exchange by one recorded state.
	 * @return {@code true} when the exchange may happen now: merges stopped on the source, and the
	 * work table holds exactly what it copied of it
	 */
	boolean ready(TableJobParameters job, Map<String, LiveCatchUp.Copied> copied, ExecutionContext context,
			JobExecution execution) throws InterruptedException {
		String state = context.getString(STATE, "");
		if (this.flags.throttled(job)) {
			// a pause may be long: merges on the source run meanwhile, and the cut-over starts over after it
			this.merges.release(job.database(), job.table(), HOLDER);
			context.remove(MERGES_STOPPED_AT);
			context.putString(STATE, "");
			Thread.sleep(1000);
			return false;
		}
		if (this.flags.cutOverPostponed(job.qualifiedTable())) {
			postponed(job, copied, context, execution);
			return false;
		}
		if (state.isEmpty()) {
			// merges on the source stay stopped from the first round on: one that folded a new part into
			// copied ones would make its partition be copied again, round after round
			holdMerges(job, context);
			if (context.getInt(LiveCatchUp.ROUND, 0) < MAX_ROUNDS && this.catchUp.advance(job, copied, context, execution)) {
				return false;
			}
			// the cut-over begins: the operator's hook may still refuse it (the caller releases merges)
			this.hooks.require(Hooks.ON_BEFORE_CUT_OVER, execution, Map.of());
			logger.info("Table {}: cut-over: waiting for a moment without unfinished mutations on the source (up to {})",
					job.qualifiedTable(), Sizes.duration(this.mutationWait));
			context.putString(STATE, WAITING);
			context.putLong(WAITING_SINCE, System.currentTimeMillis());
			return false;
		}
		if (state.equals(WAITING)) {
			waitForMutations(job, context);
			return false;
		}
		holdMerges(job, context);
		this.failurePoints.reached("cutOver.held", null);
		if (!unfinished(job).isEmpty()) {
			// created after merges stopped: it cannot run now, so let it run first
			context.putString(STATE, WAITING);
			return false;
		}
		int heldRounds = context.getInt(LiveCatchUp.ROUND, 0) - context.getInt(HELD_FROM_ROUND, 0);
		if (heldRounds < HELD_ROUNDS && this.catchUp.advance(job, copied, context, execution)) {
			return false;
		}
		String problem = verify(job, copied, context);
		if (problem == null) {
			context.putLong(STARTED_AT, System.currentTimeMillis());
			return true;
		}
		int failures = context.getInt(VERIFY_FAILURES, 0) + 1;
		context.putInt(VERIFY_FAILURES, failures);
		if (failures >= MAX_VERIFY_FAILURES) {
			throw new MigratorException(ExitCodes.FAILED, ("%s: the work table %s differs from the source right before "
					+ "the exchange (%s), %d times; nothing was swapped and the live table is whole. Rerun")
				.formatted(job.qualifiedTable(), job.workTable(), problem, failures));
		}
		logger.warn("Table {}: cut-over postponed, the source changed during it ({}); catching up again",
				job.qualifiedTable(), problem);
		context.putString(STATE, "");
		return false;
	}

	/**
	 * {@code --postpone-cut-over-flag-file} exists: merges on the source run, and the work table is
	 * kept in step, a round every {@value #POSTPONED_ROUND_MILLIS} ms; the cut-over starts over from
	 * its rounds once the file is gone.
	 */
	private void postponed(TableJobParameters job, Map<String, LiveCatchUp.Copied> copied, ExecutionContext context,
			JobExecution execution) throws InterruptedException {
		this.merges.release(job.database(), job.table(), HOLDER);
		context.putString(STATE, "");
		context.remove(MERGES_STOPPED_AT);
		if (!this.catchUp.advance(job, copied, context, execution)) {
			// in step for now: the next round later, judged on its own
			context.remove(LiveCatchUp.NEW_PARTS);
			context.putInt(LiveCatchUp.ROUND, 0);
			Thread.sleep(POSTPONED_ROUND_MILLIS);
		}
	}

	private void waitForMutations(TableJobParameters job, ExecutionContext context) throws InterruptedException {
		List<MutationInfo> unfinished = unfinished(job);
		if (unfinished.isEmpty()) {
			holdMerges(job, context);
			long newest = this.operations.mutations(job.database(), job.table())
				.stream()
				.mapToLong(MutationInfo::number)
				.max()
				.orElse(0);
			context.putLong(LAST_MUTATION, newest);
			context.putInt(HELD_FROM_ROUND, context.getInt(LiveCatchUp.ROUND, 0));
			context.putString(STATE, HELD);
			logger.info("Table {}: cut-over: merges stopped on the source; carrying the last changes", job.qualifiedTable());
			return;
		}
		// mutations need merges to run
		this.merges.release(job.database(), job.table(), HOLDER);
		long waited = System.currentTimeMillis() - context.getLong(WAITING_SINCE, System.currentTimeMillis());
		String list = unfinished.stream()
			.map((mutation) -> mutation.id() + " " + mutation.command().strip())
			.collect(Collectors.joining("; "));
		if (waited > this.mutationWait.toMillis()) {
			context.remove(WAITING_SINCE);
			context.putString(STATE, "");
			throw new MigratorException(ExitCodes.FAILED, ("%s still has %d unfinished mutations after %s (%s): the "
					+ "cut-over waits for a moment without any, since a copied part would not carry them. Nothing was "
					+ "swapped and the live table is whole; rerun once they finish (SELECT mutation_id, command, "
					+ "parts_to_do, latest_fail_reason FROM system.mutations WHERE NOT is_done), or raise "
					+ "migration.mutation-wait").formatted(job.qualifiedTable(), unfinished.size(),
							Sizes.duration(this.mutationWait), list));
		}
		if (System.currentTimeMillis() - this.lastWaitLog >= LOG_EVERY_MILLIS) {
			this.lastWaitLog = System.currentTimeMillis();
			logger.info("Table {}: cut-over waits for {} unfinished mutations ({}), {} s so far", job.qualifiedTable(),
					unfinished.size(), list, waited / 1000);
		}
		Thread.sleep(1000);
	}

	private void holdMerges(TableJobParameters job, ExecutionContext context) {
		this.merges.hold(job.database(), job.table(), HOLDER);
		if (!context.containsKey(MERGES_STOPPED_AT)) {
			context.putLong(MERGES_STOPPED_AT, System.currentTimeMillis());
		}
	}

	/** Starts merges on the source again (the run stopped before the exchange). */
	void releaseMerges(TableJobParameters job) {
		this.merges.release(job.database(), job.table(), HOLDER);
	}

	private List<MutationInfo> unfinished(TableJobParameters job) {
		return this.operations.mutations(job.database(), job.table()).stream().filter((mutation) -> !mutation.done()).toList();
	}

	/**
	 * With merges stopped: every partition is in step or has only new parts (rows that came after
	 * the last round, moved after the exchange), and the work table holds per partition exactly the
	 * rows of the source's other parts.
	 * @return what differs, {@code null} when nothing does
	 */
	private String verify(TableJobParameters job, Map<String, LiveCatchUp.Copied> copied, ExecutionContext context) {
		// merges are stopped: the parts read here stay as they are, and only inserts add new ones
		List<PartInfo> active = this.operations.activeParts(job.database(), job.table(), null);
		Map<String, PartitionDiff> differences = this.catchUp.differences(job.database(), job.table(), active, copied,
				context);
		List<String> problems = new ArrayList<>();
		Set<String> late = new HashSet<>();
		differences.forEach((id, diff) -> {
			if (diff.kind() == PartitionDiff.Kind.RECOPY) {
				problems.add("partition " + id + ": " + diff.reason());
			}
			diff.newParts().stream().map(PartInfo::name).forEach(late::add);
		});
		if (!problems.isEmpty()) {
			return String.join("; ", problems);
		}
		// the parts copied, by name: a part inserted after the read above is neither counted nor copied
		List<String> copiedParts = active.stream().map(PartInfo::name).filter((name) -> !late.contains(name)).toList();
		Map<String, Long> source = this.operations.rowsPerPartitionOf(job.database(), job.table(), copiedParts);
		Map<String, Long> work = this.operations.rowsPerPartition(job.database(), job.workTable());
		Set<String> ids = new HashSet<>(source.keySet());
		ids.addAll(work.keySet());
		for (String id : ids) {
			// a partition the original script copied and freed: its rows in the work table are its own
			long inSource = source.getOrDefault(id, 0L) + copied.getOrDefault(id, LiveCatchUp.Copied.NOTHING).importedRows();
			long inWork = work.getOrDefault(id, 0L);
			if (inSource != inWork) {
				problems.add("partition " + id + ": " + inWork + " rows in " + job.workTable() + ", " + inSource
						+ " in the source's copied parts");
			}
		}
		if (!problems.isEmpty()) {
			return String.join("; ", problems.subList(0, Math.min(problems.size(), 5)));
		}
		logger.info("Table {}: cut-over: {} holds exactly the source's rows ({} rows in {} partitions; {} parts inserted "
				+ "since are moved after the exchange)", job.qualifiedTable(), job.workTable(),
				Sizes.count(work.values().stream().mapToLong(Long::longValue).sum()), work.size(), late.size());
		return null;
	}

}
