package io.github.chmigrator.swap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.ClickHouseException;
import io.github.chmigrator.clickhouse.PartInfo;
import io.github.chmigrator.clickhouse.TableInfo;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.faults.FailurePoints;
import io.github.chmigrator.migration.DefinitionSync;
import io.github.chmigrator.migration.MergeControl;
import io.github.chmigrator.migration.OwnedTables;
import io.github.chmigrator.migration.SourceGuard;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.BlockRanges;
import io.github.chmigrator.partition.CatchUps;
import io.github.chmigrator.partition.CopiedPartitions.CopiedPartition;
import io.github.chmigrator.partition.PartitionDiff;
import io.github.chmigrator.partition.PartitionPlanner;

/**
 * Keeps the work table in step with a source that stays whole (the default), from
 * {@code system.parts} alone: every partition's active parts are compared with what was copied of
 * it ({@link PartitionDiff}), and the work table is brought in step, one recorded action per call:
 * new parts are copied through the staging table ({@link CatchUp}: counted, then moved atomically),
 * anything else (a mutation, a lightweight delete or update, a partition dropped, detached,
 * replaced or truncated, a merge that changes rows) makes the partition be copied again from the
 * source as it is now: the work partition is dropped (nobody reads the work table) and the source
 * partition attached anew, with merges on the source stopped from listing its parts to checking
 * them, so what was listed is what was copied. A source definition that only a new work table
 * carries (a column dropped or modified, an index, TTL or setting) makes the work table anew and
 * every partition copied again.
 *
 * <p>Work goes in rounds: a round reads the whole table's parts once and lists the partitions that
 * need something; each is then handled with a read of its own parts. A round that finds nothing,
 * or only new parts and no fewer than the round before (inserts keep coming as fast as they are
 * carried), ends the rounds; the caller also bounds their number ({@link CutOver}).
 *
 * <p>ExecutionContext keys (of the {@code swapTables} step): {@value #RECOPIED_PREFIX}{@code <id>} what
 * a re-copy copied ({@code name:hash,…|blocks|patch parts}), replacing the worker's record;
 * {@code catchUpBlocks.<id>}, {@code catchUpParts.<id>} what catch-ups copied on top;
 * {@value #TODO} the partitions of the round left to copy again; {@value #MOVES} those with new
 * parts only, moved together once the others are done; {@value #ROUND} rounds so far;
 * {@value #REBUILT} set once the work table was made anew (every worker record void);
 * {@value #REBUILDING} set while it is being made anew.
 */
class LiveCatchUp {

	static final String RECOPIED_PREFIX = "recopied.";

	static final String TODO = "catchUp.todo";

	static final String MOVES = "catchUp.moves";

	static final String ROUND = "catchUp.round";

	static final String REBUILT = "work.rebuilt";

	static final String REBUILDING = "work.rebuilding";

	/** The new parts the last round found (the stop rule: rounds go on while that shrinks). */
	static final String NEW_PARTS = "catchUp.newParts";

	private static final String HOLDER = "copy-again";

	private static final int ATTEMPTS = 3;

	private static final Logger logger = LoggerFactory.getLogger(LiveCatchUp.class);

	private final TableOperations operations;

	private final ClickHouseCatalog catalog;

	private final MergeControl merges;

	private final OwnedTables owned;

	private final SourceGuard guard;

	private final CatchUp catchUp;

	private final FailurePoints failurePoints;

	LiveCatchUp(TableOperations operations, ClickHouseCatalog catalog, MergeControl merges, OwnedTables owned,
			SourceGuard guard, CatchUp catchUp, FailurePoints failurePoints) {
		this.failurePoints = failurePoints;
		this.operations = operations;
		this.catalog = catalog;
		this.merges = merges;
		this.owned = owned;
		this.guard = guard;
		this.catchUp = catchUp;
	}

	/** What was copied of one partition, from the records of the workers, re-copies and catch-ups. */
	record Copied(Set<String> names, Map<String, String> hashes, BlockRanges blocks, Set<String> patches,
			boolean imported, boolean deferred, long importedRows) {

		static final Copied NOTHING = new Copied(Set.of(), Map.of(), BlockRanges.NONE, Set.of(), false, false, 0);

	}

	/** What this step needs of a worker's record, kept small (names, hashes, blocks, patch parts). */
	static Copied fromWorker(CopiedPartition partition) {
		ExecutionContext context = partition.context();
		boolean imported = context.containsKey(PartitionPlanner.IMPORTED);
		return new Copied(names(context.getString(PartitionPlanner.COPIED_PARTS, "")),
				PartitionDiff.parseHashes(context.getString(PartitionPlanner.COPIED_HASHES, "")), partition.blocks(),
				names(context.getString(PartitionPlanner.COPIED_PATCHES, "")), imported,
				context.containsKey(PartitionPlanner.DEFERRED) || !partition.done(), imported ? partition.copiedRows() : 0);
	}

	/**
	 * One recorded action toward a work table in step with the source, before the exchange.
	 * @return {@code false} once a round found every partition in step
	 */
	boolean advance(TableJobParameters job, Map<String, Copied> workers, ExecutionContext context,
			JobExecution execution) {
		if (context.containsKey(REBUILDING)) {
			rebuild(job, workers, context, execution);
			return true;
		}
		if (!context.getString(CatchUps.PENDING, "").isEmpty()) {
			// a move of new parts in flight: finish it first
			this.catchUp.step(job.database(), job.table(), job.workTable(), job.stagingTable(), Map::of, false, context,
					execution);
			return true;
		}
		if (sourceReplaced(job, workers, execution)) {
			context.putString(REBUILDING, "true");
			return true;
		}
		if (!definitionCarried(job, workers, context)) {
			return true;
		}
		if (!context.containsKey(TODO)) {
			return startRound(job, workers, context);
		}
		List<String> todo = ids(context.getString(TODO, ""));
		if (!todo.isEmpty()) {
			// a partition to copy again, as of the round's read: read again, it is copied as it is now
			String partitionId = todo.get(0);
			context.putString(TODO, String.join(",", todo.subList(1, todo.size())));
			PartitionDiff diff = diff(copied(partitionId, workers, context),
					this.operations.activeParts(job.database(), job.table(), partitionId),
					CatchUp.mergesKeepRows(this.catalog, job.database(), job.table()),
					this.operations.patchParts(job.database(), job.table()).getOrDefault(partitionId, Set.of()));
			if (diff.kind() == PartitionDiff.Kind.RECOPY) {
				copyAgain(job, partitionId, diff.reason(), workers, context);
			}
			return true;
		}
		// the rest of the round has new parts only: moved together, found with one read of the table's parts
		Set<String> moves = Set.copyOf(ids(context.getString(MOVES, "")));
		context.remove(TODO);
		context.remove(MOVES);
		if (!moves.isEmpty()) {
			this.catchUp.step(job.database(), job.table(), job.workTable(), job.stagingTable(), () -> {
				Map<String, List<PartInfo>> fresh = new LinkedHashMap<>();
				differences(job.database(), job.table(), workers, context).forEach((id, now) -> {
					if (moves.contains(id) && now.kind() == PartitionDiff.Kind.NEW_PARTS) {
						fresh.put(id, now.newParts());
					}
				});
				return fresh;
			}, false, context, execution);
		}
		return true;
	}

	/**
	 * Every partition's state in one read of the source's parts: those not in step, by id.
	 * @param source the table holding the source's parts (after the exchange, the old table)
	 */
	Map<String, PartitionDiff> differences(String database, String source, Map<String, Copied> workers,
			ExecutionContext context) {
		return differences(database, source, this.operations.activeParts(database, source, null), workers, context);
	}

	/** {@link #differences(String, String, Map, ExecutionContext)} of the source's active parts as already read. */
	Map<String, PartitionDiff> differences(String database, String source, List<PartInfo> active,
			Map<String, Copied> workers, ExecutionContext context) {
		Map<String, List<PartInfo>> parts = new LinkedHashMap<>();
		workers.keySet().forEach((id) -> parts.put(id, new ArrayList<>()));
		for (PartInfo part : active) {
			parts.computeIfAbsent(part.partitionId(), (id) -> new ArrayList<>()).add(part);
		}
		Map<String, Set<String>> patches = this.operations.patchParts(database, source);
		patches.keySet().forEach((id) -> parts.computeIfAbsent(id, (key) -> new ArrayList<>()));
		Map<String, PartitionDiff> differences = new LinkedHashMap<>();
		boolean mergesKeepRows = CatchUp.mergesKeepRows(this.catalog, database, source);
		parts.forEach((id, current) -> {
			PartitionDiff diff = diff(copied(id, workers, context), current, mergesKeepRows,
					patches.getOrDefault(id, Set.of()));
			if (diff.kind() != PartitionDiff.Kind.IN_STEP) {
				differences.put(id, diff);
			}
		});
		return differences;
	}

	private boolean startRound(TableJobParameters job, Map<String, Copied> workers, ExecutionContext context) {
		Map<String, PartitionDiff> differences = differences(job.database(), job.table(), workers, context);
		int round = context.getInt(ROUND, 0) + 1;
		context.putInt(ROUND, round);
		if (differences.isEmpty()) {
			logger.info("Table {}: catch-up round {}: {} is in step with the source", job.qualifiedTable(), round,
					job.workTable());
			return false;
		}
		long recopy = differences.values().stream().filter((diff) -> diff.kind() == PartitionDiff.Kind.RECOPY).count();
		long newParts = differences.values().stream().mapToLong((diff) -> diff.newParts().size()).sum();
		long newRows = differences.values().stream()
			.flatMap((diff) -> diff.newParts().stream())
			.mapToLong(PartInfo::rows)
			.sum();
		logger.info("Table {}: catch-up round {}: {} partitions to copy again{}, {} new parts ({} rows) in {} partitions",
				job.qualifiedTable(), round, recopy, (recopy > 0) ? " (" + firstReason(differences) + ")" : "", newParts,
				Sizes.count(newRows), differences.size() - recopy);
		long before = context.getLong(NEW_PARTS, Long.MAX_VALUE);
		context.putLong(NEW_PARTS, newParts);
		if (recopy == 0 && newParts >= before) {
			// the difference no longer shrinks: the rounds only chase inserts, whose last parts the
			// cut-over carries (before the exchange, or from the old table after it)
			logger.info("Table {}: catch-up round {}: no fewer new parts than the round before; the rest is carried by "
					+ "the cut-over", job.qualifiedTable(), round);
			return false;
		}
		// the partitions to copy again one by one, then those with new parts only, together
		List<String> recopies = new ArrayList<>();
		List<String> moves = new ArrayList<>();
		differences.forEach((id, diff) -> ((diff.kind() == PartitionDiff.Kind.RECOPY) ? recopies : moves).add(id));
		context.putString(TODO, String.join(",", recopies));
		context.putString(MOVES, String.join(",", moves));
		return true;
	}

	private static String firstReason(Map<String, PartitionDiff> differences) {
		return differences.entrySet()
			.stream()
			.filter((entry) -> entry.getValue().kind() == PartitionDiff.Kind.RECOPY)
			.map((entry) -> "partition " + entry.getKey() + ": " + entry.getValue().reason())
			.findFirst()
			.orElse("");
	}

	private static PartitionDiff diff(Copied copied, List<PartInfo> current, boolean mergesKeepRows,
			Set<String> patches) {
		if (copied.deferred()) {
			return PartitionDiff.recopy("not copied yet");
		}
		return PartitionDiff.of(copied.names(), copied.hashes(), copied.blocks(), current, mergesKeepRows, copied.patches(),
				patches);
	}

	/** What the work table holds of a partition: the worker's record or a re-copy's, and the catch-ups on top. */
	static Copied copied(String partitionId, Map<String, Copied> workers, ExecutionContext context) {
		Copied base = workers.getOrDefault(partitionId, Copied.NOTHING);
		String recopied = context.getString(RECOPIED_PREFIX + partitionId, null);
		if (recopied != null) {
			String[] fields = recopied.split("\\|", -1);
			Map<String, String> hashes = PartitionDiff.parseHashes(fields[0]);
			base = new Copied(hashes.keySet(), hashes, BlockRanges.parse(fields[1]), names(fields[2]), base.imported(), false,
					base.importedRows());
		}
		else if (context.containsKey(REBUILT) && !base.imported()) {
			base = new Copied(Set.of(), Map.of(), BlockRanges.NONE, Set.of(), false, true, 0);
		}
		Set<String> names = new HashSet<>(base.names());
		names.addAll(names(context.getString(CatchUp.NAMES_PREFIX + partitionId, "")));
		BlockRanges blocks = base.blocks().plus(BlockRanges.parse(context.getString(CatchUps.BLOCKS_PREFIX + partitionId, "")));
		return new Copied(names, base.hashes(), blocks, base.patches(), base.imported(), base.deferred(),
				base.importedRows());
	}

	/**
	 * Copies a partition again from the source as it is now: what the work table held of it goes,
	 * and the source partition is attached anew (or, where the server refuses that, inserted part by
	 * part), with merges on the source stopped from listing its parts until they are checked.
	 */
	private void copyAgain(TableJobParameters job, String partitionId, String reason, Map<String, Copied> workers,
			ExecutionContext context) {
		if (workers.getOrDefault(partitionId, Copied.NOTHING).imported()) {
			throw new MigratorException(ExitCodes.FAILED, ("partition %s of %s changed after it was carried on top of what "
					+ "the original script copied to %s (%s); those rows exist nowhere else, so the partition cannot be "
					+ "copied again. Nothing was swapped; make %s.%s hold what the source's partition means, then rerun")
				.formatted(partitionId, job.qualifiedTable(), job.workTable(), reason, job.database(), job.workTable()));
		}
		List<String> columns = this.guard.sync(job.database(), job.table(), job.workTable());
		this.operations.stopMerges(job.database(), job.workTable());
		this.merges.hold(job.database(), job.table(), HOLDER);
		try {
			for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
				// before the parts: a patch written after this is not taken as copied
				Set<String> patches = this.operations.patchParts(job.database(), job.table())
					.getOrDefault(partitionId, Set.of());
				List<PartInfo> parts = this.operations.activeParts(job.database(), job.table(), partitionId);
				List<String> listed = parts.stream().map(PartInfo::name).toList();
				long rows = this.operations.rowsOfParts(job.database(), job.table(), listed);
				this.operations.dropPartition(job.database(), job.workTable(), partitionId);
				this.failurePoints.reached("catchUp.afterDrop", partitionId);
				copy(job, partitionId, parts, columns);
				long copied = this.operations.partitionRows(job.database(), job.workTable(), partitionId);
				List<String> now = this.operations.activeParts(job.database(), job.table(), partitionId)
					.stream()
					.map(PartInfo::name)
					.toList();
				if (copied == rows && now.containsAll(listed)) {
					context.putString(RECOPIED_PREFIX + partitionId, PartitionDiff.hashes(parts) + "|"
							+ BlockRanges.of(parts).format() + "|" + String.join(",", patches));
					context.remove(CatchUps.BLOCKS_PREFIX + partitionId);
					context.remove(CatchUp.NAMES_PREFIX + partitionId);
					logger.info("Table {} partition {}: copied again ({}): {} rows in {} parts", job.qualifiedTable(),
							partitionId, reason, Sizes.count(rows), parts.size());
					return;
				}
			}
			throw new MigratorException(ExitCodes.FAILED, ("partition %s of %s changed each of the %d times it was copied "
					+ "again; nothing was swapped and the source is whole. Rerun when it changes less often")
				.formatted(partitionId, job.qualifiedTable(), ATTEMPTS));
		}
		finally {
			this.merges.release(job.database(), job.table(), HOLDER);
		}
	}

	private void copy(TableJobParameters job, String partitionId, List<PartInfo> parts, List<String> columns) {
		if (parts.isEmpty()) {
			return;
		}
		try {
			this.operations.attachPartitionFrom(job.database(), job.workTable(), job.table(), partitionId);
		}
		catch (ClickHouseException ex) {
			// unapplied patch parts of a lightweight UPDATE, or a server that cannot attach across
			// policies: INSERT … SELECT of each listed part in block order reads the rows as readers see them
			logger.info("Table {} partition {}: ATTACH refused ({}); copying with INSERT … SELECT", job.qualifiedTable(),
					partitionId, ex.getMessage());
			this.operations.dropPartition(job.database(), job.workTable(), partitionId);
			for (PartInfo part : parts) {
				this.operations.insertParts(job.database(), job.workTable(), job.table(), columns, List.of(part.name()));
			}
		}
	}

	/**
	 * Whether the work table is defined as the source ({@code ADD COLUMN} carried over); if another
	 * change only a new work table carries is found, starts making it anew and returns {@code false}.
	 */
	private boolean definitionCarried(TableJobParameters job, Map<String, Copied> workers, ExecutionContext context) {
		try {
			this.guard.sync(job.database(), job.table(), job.workTable());
			return true;
		}
		catch (DefinitionSync.DefinitionChanged ex) {
			if (workers.values().stream().anyMatch(Copied::imported)) {
				throw new MigratorException(ExitCodes.FAILED, ex.getMessage() + ". Some partitions of "
						+ job.workTable() + " were copied by the original script and exist nowhere else, so it cannot be "
						+ "made anew");
			}
			logger.info("Table {}: the source's definition changed in a way only a new work table carries: {} is made "
					+ "anew and every partition copied again", job.qualifiedTable(), job.workTable());
			context.putString(REBUILDING, "true");
			return false;
		}
	}

	/**
	 * Whether the source table was dropped and created anew since the job first saw it (another
	 * UUID; Ordinary databases have none to compare): every record of what was copied is then about
	 * another table, whose parts may even bear the same names. The new table is the truth: the work
	 * table is made anew and every partition copied from it.
	 */
	private boolean sourceReplaced(TableJobParameters job, Map<String, Copied> workers, JobExecution execution) {
		String recorded = execution.getExecutionContext().getString(OwnedTables.SOURCE_UUID, null);
		String now = this.catalog.table(job.database(), job.table()).map(TableInfo::uuid).orElse(null);
		if (now == null) {
			throw new MigratorException(ExitCodes.FAILED, job.qualifiedTable() + " was dropped or renamed during the run; "
					+ "nothing was swapped. Rerun once it is back, or --abort");
		}
		if (recorded == null || recorded.equals(TableInfo.NO_UUID) || recorded.equals(now)) {
			return false;
		}
		if (workers.values().stream().anyMatch(Copied::imported)) {
			throw new MigratorException(ExitCodes.FAILED, job.qualifiedTable() + " was dropped and created anew during the "
					+ "run, and some partitions of " + job.workTable() + " were copied by the original script and exist "
					+ "nowhere else; nothing was swapped. Decide by hand which rows the table should hold");
		}
		logger.info("Table {}: it was dropped and created anew during the run (UUID {} -> {}): {} is made anew from the "
				+ "new table", job.qualifiedTable(), recorded, now, job.workTable());
		return true;
	}

	/**
	 * Makes the work table anew from the source's definition (recorded first, so a crash in between
	 * is finished by the rerun): the staging table and the old work table go (this instance's; never
	 * one with detached parts), a new UUID is recorded, the table created with the marker, and every
	 * record of what was copied becomes void.
	 */
	private void rebuild(TableJobParameters job, Map<String, Copied> workers, ExecutionContext context,
			JobExecution execution) {
		for (String[] own : new String[][] { { OwnedTables.STAGING, job.stagingTable() }, { OwnedTables.WORK, job.workTable() } }) {
			this.catalog.table(job.database(), own[1]).ifPresent((table) -> {
				if (!this.owned.owns(execution, own[0], table)) {
					throw new MigratorException(ExitCodes.FAILED, "table " + table.qualifiedName()
							+ " is not this job instance's any more; nothing was dropped");
				}
				if (!this.catalog.detachedParts(job.database(), own[1]).isEmpty()) {
					throw new MigratorException(ExitCodes.FAILED, "table " + table.qualifiedName() + " holds detached "
							+ "parts, so it is not dropped to be made anew; attach or drop them, then rerun");
				}
				this.operations.dropTable(job.database(), own[1]);
			});
		}
		// the source as it is now (it may have been created anew), committed with the new work table's UUID
		this.catalog.table(job.database(), job.table())
			.ifPresent((source) -> execution.getExecutionContext().putString(OwnedTables.SOURCE_UUID, source.uuid()));
		this.owned.reserve(execution, OwnedTables.WORK, this.catalog.isAtomic(job.database()));
		this.operations.createTable(OwnedTables.workTableDdl(this.operations.showCreateTable(job.database(), job.table()),
				execution, this.owned.reserved(execution, OwnedTables.WORK)));
		this.operations.stopMerges(job.database(), job.workTable());
		for (String key : context.entrySet().stream().map(Map.Entry::getKey).toList()) {
			if (key.startsWith(RECOPIED_PREFIX) || key.startsWith(CatchUps.BLOCKS_PREFIX)
					|| key.startsWith(CatchUp.NAMES_PREFIX)) {
				context.remove(key);
			}
		}
		context.remove(TODO);
		context.remove(MOVES);
		// the staging table is made anew too, under a UUID of its own (the dropped one's may still be held)
		this.owned.forget(execution, OwnedTables.STAGING);
		context.putString(REBUILT, "true");
		context.remove(REBUILDING);
		logger.info("Table {}: made {} anew; {} partitions are copied again", job.qualifiedTable(), job.workTable(),
				workers.size());
	}

	private static List<String> ids(String list) {
		return Arrays.stream(list.split(",")).filter((id) -> !id.isEmpty()).toList();
	}

	private static Set<String> names(String list) {
		Set<String> names = new HashSet<>(Arrays.asList(list.split(",")));
		names.remove("");
		return names;
	}

}
