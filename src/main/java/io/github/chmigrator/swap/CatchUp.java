package io.github.chmigrator.swap;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.github.chmigrator.MigratorException;
import io.github.chmigrator.ExitCodes;
import io.github.chmigrator.clickhouse.PartInfo;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.copy.BlockRanges;
import io.github.chmigrator.copy.MergeControl;
import io.github.chmigrator.job.FailurePoints;
import io.github.chmigrator.report.Sizes;

/**
 * Moves the rows that reached the source after their partition was copied: parts whose block
 * range lies outside every copied range. One partition per call, recorded before and after, so a
 * crash in between is resolved by counting rows in the target — exactly when the target is not
 * live yet (before the swap); after the swap, when the target takes inserts, an unconfirmed move
 * stops the table with the facts instead of guessing.
 *
 * <p>ExecutionContext keys (of the {@code swapTables} step): {@value #BLOCKS_PREFIX}{@code <id>}
 * the block ranges caught up per partition; {@value #PENDING} the move in flight
 * ({@code partition|parts|rows before|rows moved}); {@value #MOVED_ROWS} rows moved so far.
 */
class CatchUp {

	static final String BLOCKS_PREFIX = "catchUpBlocks.";

	static final String PENDING = "catchUpPending";

	static final String MOVED_ROWS = "catchUpRows";

	static final String STARTED = "catchUpStartedBy";

	private static final Logger logger = LoggerFactory.getLogger(CatchUp.class);

	private final TableOperations operations;

	private final MergeControl merges;

	private final FailurePoints failurePoints;

	CatchUp(TableOperations operations, MergeControl merges, FailurePoints failurePoints) {
		this.operations = operations;
		this.merges = merges;
		this.failurePoints = failurePoints;
	}

	/**
	 * Moves the new parts of one partition from {@code source} to {@code target}.
	 * @param copied the block ranges copied by the partition workers, per partition id
	 * @param live whether the target already takes inserts (after the swap)
	 * @return {@code false} when no new part is left
	 */
	boolean step(String database, String source, String target, Map<String, BlockRanges> copied, boolean live,
			boolean keepSource, ExecutionContext context, String execution) {
		String pending = context.getString(PENDING, "");
		if (!pending.isEmpty()) {
			finish(database, source, target, Pending.parse(pending), live, keepSource, context, execution);
			return true;
		}
		Map<String, List<PartInfo>> fresh = newParts(database, source, copied, context);
		if (fresh.isEmpty()) {
			return false;
		}
		Map.Entry<String, List<PartInfo>> first = fresh.entrySet().iterator().next();
		long before = this.operations.partitionRows(database, target, first.getKey());
		Pending move = new Pending(first.getKey(), first.getValue().stream().map(PartInfo::name).toList(), before,
				first.getValue().stream().mapToLong(PartInfo::rows).sum(),
				BlockRanges.of(first.getValue()).format());
		context.putString(PENDING, move.format());
		return true;
	}

	private Map<String, List<PartInfo>> newParts(String database, String source, Map<String, BlockRanges> copied,
			ExecutionContext context) {
		Map<String, List<PartInfo>> fresh = new LinkedHashMap<>();
		for (PartInfo part : this.operations.activeParts(database, source, null)) {
			BlockRanges ranges = copied.getOrDefault(part.partitionId(), BlockRanges.NONE)
				.plus(BlockRanges.parse(context.getString(BLOCKS_PREFIX + part.partitionId(), "")));
			BlockRanges.Status status = ranges.classify(part);
			if (status == BlockRanges.Status.MIXED) {
				throw new MigratorException(ExitCodes.FAILED, "%s.%s part %s merged copied rows with rows inserted later; "
					.formatted(database, source, part.name()) + "its copied rows are already in the migrated table, so it "
						+ "cannot be moved or dropped automatically (see README, Troubleshooting)");
			}
			if (status == BlockRanges.Status.NEW) {
				fresh.computeIfAbsent(part.partitionId(), (key) -> new java.util.ArrayList<>()).add(part);
			}
		}
		return fresh;
	}

	private void finish(String database, String source, String target, Pending move, boolean live, boolean keepSource,
			ExecutionContext context, String execution) {
		List<String> stillInSource = this.operations.activeParts(database, source, move.partitionId())
			.stream()
			.map(PartInfo::name)
			.filter(move.parts()::contains)
			.toList();
		if (live) {
			String marker = context.getString(STARTED, "");
			if (marker.isEmpty()) {
				context.putString(STARTED, execution);
				return;
			}
			if (!marker.equals(execution)) {
				if (keepSource || !stillInSource.isEmpty()) {
					throw unconfirmed(database, source, target, move);
				}
				done(database, target, move, context);
				return;
			}
			insert(database, source, target, move);
			checkRows(database, source, target, move, live);
		}
		else {
			long now = this.operations.partitionRows(database, target, move.partitionId());
			if (now == move.before()) {
				insert(database, source, target, move);
			}
			checkRows(database, source, target, move, live);
		}
		if (!keepSource) {
			dropParts(database, source, stillInSource);
		}
		done(database, target, move, context);
	}

	private void insert(String database, String source, String target, Pending move) {
		List<String> columns = this.operations.storedColumns(database, source);
		this.operations.insertParts(database, target, source, columns, move.parts());
		this.failurePoints.reached("swap.afterCatchUpInsert", move.partitionId());
	}

	private void checkRows(String database, String source, String target, Pending move, boolean live) {
		long now = this.operations.partitionRows(database, target, move.partitionId());
		long expected = move.before() + move.rows();
		if ((live) ? now < expected : now != expected) {
			throw new MigratorException(ExitCodes.FAILED, "catching up partition %s of %s.%s: %s holds %d rows, expected %s%d (%d before + %d moved); the rows are still in %s"
				.formatted(move.partitionId(), database, source, target, now, live ? "at least " : "", expected,
						move.before(), move.rows(), source));
		}
	}

	private void dropParts(String database, String source, List<String> parts) {
		this.merges.hold(database, source);
		try {
			for (String part : parts) {
				this.operations.dropPart(database, source, part);
			}
		}
		finally {
			this.merges.release(database, source);
		}
	}

	private void done(String database, String target, Pending move, ExecutionContext context) {
		String key = BLOCKS_PREFIX + move.partitionId();
		context.putString(key, BlockRanges.parse(context.getString(key, "")).plus(BlockRanges.parse(move.blocks())).format());
		context.putLong(MOVED_ROWS, context.getLong(MOVED_ROWS, 0) + move.rows());
		context.remove(PENDING);
		context.remove(STARTED);
		logger.info("Table {}.{} partition {}: moved {} rows inserted during the migration", database, target,
				move.partitionId(), Sizes.count(move.rows()));
	}

	private static MigratorException unconfirmed(String database, String source, String target, Pending move) {
		return new MigratorException(ExitCodes.FAILED, ("the run stopped while moving %d late rows (parts %s of partition %s) from %s.%s "
				+ "into the live table %s.%s; whether they arrived cannot be told by counting. Check with SELECT count() "
				+ "FROM %s.%s WHERE _part IN (…) and compare with the live table, then drop those parts from %s or insert "
				+ "them, and rerun").formatted(move.rows(), String.join(",", move.parts()), move.partitionId(), database,
						source, database, target, database, source, source));
	}

	/** The move in flight, as recorded before it starts. */
	record Pending(String partitionId, List<String> parts, long before, long rows, String blocks) {

		String format() {
			return String.join("|", this.partitionId, String.join(",", this.parts), Long.toString(this.before),
					Long.toString(this.rows), this.blocks);
		}

		static Pending parse(String text) {
			String[] fields = text.split("\\|", -1);
			return new Pending(fields[0], List.of(fields[1].split(",")), Long.parseLong(fields[2]),
					Long.parseLong(fields[3]), fields[4]);
		}

	}

}
