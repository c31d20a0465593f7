package io.github.chmigrator.swap;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.DdlRewriter;
import io.github.chmigrator.clickhouse.PartInfo;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.faults.FailurePoints;
import io.github.chmigrator.migration.MergeControl;
import io.github.chmigrator.migration.MigrationOutcome;
import io.github.chmigrator.migration.OwnedTables;
import io.github.chmigrator.migration.SourceGuard;
import io.github.chmigrator.partition.BlockRanges;
import io.github.chmigrator.partition.CatchUps.Move;
import io.github.chmigrator.partition.StagedMove;
import io.github.chmigrator.partition.CatchUps;
import io.github.chmigrator.partition.MoveWindows;

/**
 * Moves the rows that reached the source after their partition was copied: parts whose block
 * range lies outside every copied range. One partition at a time, in two recorded steps, so a
 * crash at any instant is resolved without guessing:
 * <ol>
 * <li>the parts are copied with INSERT … SELECT into the partition of a private staging table
 * ({@code <table>__late}, cleared first, same definition and policy as the target) and counted
 * there; recorded as staged;</li>
 * <li>{@code ALTER TABLE staging MOVE PARTITION ID … TO TABLE target} moves them atomically (an
 * empty staging partition after a crash means the move happened), then the parts are dropped from
 * the source.</li>
 * </ol>
 * Moving parts, not inserting into the target, also keeps materialized views that read from the
 * table from seeing those rows a second time once the target carries the table's name.
 *
 * <p>ExecutionContext keys (of the {@code swapTables} step): {@value #BLOCKS_PREFIX}{@code <id>}
 * the block ranges caught up per partition; {@value #PENDING} the move in flight
 * ({@code partition|parts|rows|blocks}); {@value #STAGED} set once it is staged;
 * {@value #MOVED_ROWS} rows moved so far.
 */
class CatchUp {

	static final String BLOCKS_PREFIX = CatchUps.BLOCKS_PREFIX;

	static final String WINDOWS_PREFIX = CatchUps.WINDOWS_PREFIX;

	static final String PENDING = CatchUps.PENDING;

	/** Partitions whose new parts move together, at most: one INSERT writes at most 100 partitions by default. */
	static final int MOVES_AT_ONCE = 100;

	/** The names of the source parts caught up, per partition ({@code <prefix><id>}: comma-separated). */
	static final String NAMES_PREFIX = "catchUpParts.";

	static final String STAGED = "catchUpStaged";

	static final String MOVED_ROWS = MigrationOutcome.LATE_ROWS;

	private static final String HOLDER = "catch-up";

	private static final Logger logger = LoggerFactory.getLogger(CatchUp.class);

	private final TableOperations operations;

	private final ClickHouseCatalog catalog;

	private final MergeControl merges;

	private final FailurePoints failurePoints;

	private final OwnedTables owned;

	private final SourceGuard guard;

	CatchUp(TableOperations operations, ClickHouseCatalog catalog, MergeControl merges, FailurePoints failurePoints,
			OwnedTables owned, SourceGuard guard) {
		this.guard = guard;
		this.operations = operations;
		this.catalog = catalog;
		this.merges = merges;
		this.failurePoints = failurePoints;
		this.owned = owned;
	}

	/**
	 * Advances the move of new parts from {@code source} to {@code target} by one recorded step.
	 * @param copied the block ranges copied by the partition workers, per partition id
	 * @param staging the staging table's name
	 * @param execution the job execution, which records the staging table before it is created
	 * @return {@code false} when no new part is left
	 */
	boolean step(String database, String source, String target, String staging, Map<String, BlockRanges> copied,
			boolean keepSource, ExecutionContext context, JobExecution execution) {
		return step(database, source, target, staging, () -> newParts(database, source, copied, context), !keepSource,
				context, execution);
	}

	/**
	 * {@link #step(String, String, String, String, Map, boolean, ExecutionContext, JobExecution)}
	 * with the new parts found by the caller.
	 * @param finder the new parts to move, by partition id (only the first partition's move is started)
	 * @param dropFromSource whether the moved parts are dropped from the source afterwards
	 */
	boolean step(String database, String source, String target, String staging, NewParts finder,
			boolean dropFromSource, ExecutionContext context, JobExecution execution) {
		String pending = context.getString(PENDING, "");
		// merges on the source stay stopped from listing the new parts until they are dropped
		this.merges.hold(database, source, HOLDER);
		try {
			return advance(database, source, target, staging, finder, dropFromSource, context, execution, pending);
		}
		catch (RuntimeException ex) {
			this.merges.release(database, source, HOLDER);
			throw ex;
		}
	}

	private boolean advance(String database, String source, String target, String staging, NewParts finder,
			boolean dropFromSource, ExecutionContext context, JobExecution execution, String pending) {
		if (!pending.isEmpty() && !context.containsKey(STAGED) && !allActive(database, source, Move.parseAll(pending))) {
			// a merge ran before the parts were staged (a crash in between): nothing moved yet, list again
			context.remove(PENDING);
			pending = "";
		}
		if (pending.isEmpty()) {
			return list(database, source, finder, context);
		}
		List<Move> moves = Move.parseAll(pending);
		if (!context.containsKey(STAGED)) {
			String uuid = this.owned.reserved(execution, OwnedTables.STAGING);
			if (uuid == null) {
				// recorded (and committed on return) before the staging table is created
				this.owned.reserve(execution, OwnedTables.STAGING, this.catalog.isAtomic(database));
				return true;
			}
			stage(database, source, target, staging, OwnedTables.uuidClause(uuid), moves);
			context.putString(STAGED, "true");
			return true;
		}
		List<String> ids = moves.stream().map(Move::partitionId).toList();
		ids.forEach((id) -> this.failurePoints.reached("swap.beforeCatchUpMove", id));
		Map<String, Long> staged = this.operations.partitionRowsOf(database, staging, ids);
		List<String> toMove = new ArrayList<>();
		for (Move move : moves) {
			StagedMove state = StagedMove.of(staged.get(move.partitionId()), move.rows());
			if (state == StagedMove.INCONSISTENT) {
				throw new MigratorException(ExitCodes.FAILED, "catching up partition %s of %s.%s: the staging table %s holds %d rows, %d were staged; nothing was moved"
					.formatted(move.partitionId(), database, source, staging, staged.get(move.partitionId()), move.rows()));
			}
			if (state == StagedMove.TO_MOVE) {
				toMove.add(move.partitionId());
			}
		}
		// one ALTER: each MOVE PARTITION in it is atomic, and a crash between two leaves each
		// partition's staged rows telling whether it moved
		this.operations.movePartitionsToTable(database, staging, toMove, target);
		toMove.forEach((id) -> this.failurePoints.reached("swap.afterCatchUpMove", id));
		if (dropFromSource) {
			moves.forEach((move) -> dropStillActive(database, source, move));
		}
		moves.forEach((move) -> done(database, target, move, context));
		context.remove(PENDING);
		context.remove(STAGED);
		this.merges.release(database, source, HOLDER);
		return true;
	}

	/**
	 * Records the moves of the new parts the finder lists, up to {@value #MOVES_AT_ONCE} partitions
	 * (one INSERT may write that many), their rows counted in one query.
	 * @return {@code false} when there is nothing to move
	 */
	private boolean list(String database, String source, NewParts finder, ExecutionContext context) {
		long listed = System.currentTimeMillis();
		Map<String, List<PartInfo>> fresh = finder.find();
		if (fresh.isEmpty()) {
			this.merges.release(database, source, HOLDER);
			return false;
		}
		List<Map.Entry<String, List<PartInfo>>> chosen = fresh.entrySet().stream().limit(MOVES_AT_ONCE).toList();
		List<String> parts = chosen.stream().flatMap((entry) -> entry.getValue().stream()).map(PartInfo::name).toList();
		Map<String, Long> rows = this.operations.rowsPerPartitionOf(database, source, parts);
		context.putString(PENDING, Move.formatAll(chosen.stream()
			.map((entry) -> new Move(entry.getKey(), entry.getValue().stream().map(PartInfo::name).toList(),
					rows.getOrDefault(entry.getKey(), 0L), BlockRanges.of(entry.getValue()).format(), listed))
			.toList()));
		return true;
	}

	/** The new parts to move next, by partition id. */
	@FunctionalInterface
	interface NewParts {

		Map<String, List<PartInfo>> find();

	}

	private boolean allActive(String database, String source, List<Move> moves) {
		Map<String, List<PartInfo>> active = this.operations.activePartsOf(database, source,
				moves.stream().map(Move::partitionId).toList());
		return moves.stream()
			.allMatch((move) -> active.get(move.partitionId()).stream().map(PartInfo::name).toList().containsAll(move.parts()));
	}

	private void stage(String database, String source, String target, String staging, String uuid, List<Move> moves) {
		if (this.catalog.table(database, staging).isEmpty()) {
			String ddl = this.operations.showCreateTable(database, target);
			this.operations.createTable(DdlRewriter.retarget(ddl, database, staging, uuid,
					DdlRewriter.settingsValue(ddl, "storage_policy").replaceAll("^'|'$", "")));
		}
		// on every attempt: a server restart forgets SYSTEM STOP MERGES, and a merge would fold staged rows
		this.operations.stopMerges(database, staging);
		List<String> columns = this.guard.sync(database, source, staging);
		List<String> ids = moves.stream().map(Move::partitionId).toList();
		this.operations.dropPartitions(database, staging, ids);
		this.operations.insertParts(database, staging, source, columns,
				moves.stream().flatMap((move) -> move.parts().stream()).toList());
		Map<String, Long> staged = this.operations.partitionRowsOf(database, staging, ids);
		for (Move move : moves) {
			if (staged.get(move.partitionId()) != move.rows()) {
				throw new MigratorException(ExitCodes.FAILED, "catching up partition %s of %s.%s: staged %d rows of %d; nothing was moved"
					.formatted(move.partitionId(), database, source, staged.get(move.partitionId()), move.rows()));
			}
		}
	}

	private Map<String, List<PartInfo>> newParts(String database, String source, Map<String, BlockRanges> copied,
			ExecutionContext context) {
		Map<String, List<PartInfo>> fresh = new LinkedHashMap<>();
		// copied parts kept in the source (--keep-source) may be merged together once their partition
		// moved: recognised by their rows where merges keep every row
		boolean mergesKeepRows = mergesKeepRows(this.catalog, database, source);
		for (PartInfo part : this.operations.activeParts(database, source, null)) {
			BlockRanges ranges = copied.getOrDefault(part.partitionId(), BlockRanges.NONE)
				.plus(BlockRanges.parse(context.getString(BLOCKS_PREFIX + part.partitionId(), "")));
			BlockRanges.Status status = ranges.classify(part, mergesKeepRows);
			if (status == BlockRanges.Status.MIXED) {
				throw new MigratorException(ExitCodes.FAILED, "%s.%s part %s merged copied rows with rows inserted later; "
					.formatted(database, source, part.name()) + "its copied rows are already in the migrated table, so it "
						+ "cannot be moved or dropped automatically (see docs/troubleshooting.md)");
			}
			if (status == BlockRanges.Status.NEW) {
				fresh.computeIfAbsent(part.partitionId(), (key) -> new ArrayList<>()).add(part);
			}
		}
		return fresh;
	}

	/** Whether a table's merges keep every row they merge: a plain {@code MergeTree} without TTL. */
	static boolean mergesKeepRows(ClickHouseCatalog catalog, String database, String table) {
		return catalog.table(database, table)
			.map((info) -> info.engine().equals("MergeTree") && !info.createTableQuery().contains(" TTL "))
			.orElse(false);
	}

	private void dropStillActive(String database, String source, Move move) {
		for (PartInfo part : this.operations.activeParts(database, source, move.partitionId())) {
			if (move.parts().contains(part.name())) {
				this.operations.dropPart(database, source, part.name());
			}
		}
	}

	private void done(String database, String target, Move move, ExecutionContext context) {
		String key = BLOCKS_PREFIX + move.partitionId();
		context.putString(key, BlockRanges.parse(context.getString(key, "")).plus(BlockRanges.parse(move.blocks())).format());
		String names = NAMES_PREFIX + move.partitionId();
		context.putString(names, context.getString(names, "").isEmpty() ? String.join(",", move.parts())
				: context.getString(names) + "," + String.join(",", move.parts()));
		context.putLong(MOVED_ROWS, context.getLong(MOVED_ROWS, 0) + move.rows());
		String windows = WINDOWS_PREFIX + move.partitionId();
		context.putString(windows, MoveWindows.parse(context.getString(windows, ""))
			.plus(MoveWindows.of(move.listedAt(), System.currentTimeMillis()))
			.format());
		logger.info("Table {}.{} partition {}: moved {} rows inserted during the migration", database, target,
				move.partitionId(), Sizes.count(move.rows()));
	}

}
