package io.github.chmigrator.move;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;

import io.github.chmigrator.clickhouse.ClickHouseErrors;
import io.github.chmigrator.clickhouse.ClickHouseException;
import io.github.chmigrator.clickhouse.PartPlacement;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.faults.FailurePoints;

/**
 * Moves the parts of one partition that are off a volume's disks onto it, and proves what moved.
 * <p>
 * Why this is exact: {@code MOVE PARTITION … TO VOLUME} copies each part to the volume's disk under
 * a temporary name and then swaps it in for the active part of the same name, under the table's
 * parts lock; the rows never change, and a part that a merge, a mutation or a {@code DROP} took
 * away meanwhile is simply not swapped in. A kill -9 in between leaves the old part active and a
 * temporary copy that the server removes at start-up; moving again finishes the job. So nothing
 * is copied between tables, and a row can be neither lost nor duplicated by a move; what this class
 * checks is that every part that kept its name kept its contents ({@code hash_of_all_files}).
 * <p>
 * A part held by a merge or another move ({@code PART_IS_TEMPORARILY_LOCKED}) is retried
 * (design §11.2: as often and as far apart as network errors); parts that keep appearing off
 * the volume (inserts, when the policy's first volume is local) are moved again, a bounded number
 * of rounds.
 */
public class PartitionMover {

	private static final Logger logger = LoggerFactory.getLogger(PartitionMover.class);

	/** Rounds of move-and-look per partition before the rest is left to the caller. */
	static final int ROUNDS = 3;

	/** {@code PART_IS_TEMPORARILY_LOCKED}. */
	private static final int LOCKED = 384;

	/** {@code NOT_ENOUGH_SPACE}: "Move is not possible. Not enough space on …". */
	private static final int NOT_ENOUGH_SPACE = 243;

	/** {@code ABORTED}: "moves are manually disabled". */
	private static final int ABORTED = 236;

	private final TableOperations operations;

	private final FailurePoints failurePoints;

	private final RetryTemplate locked;

	public PartitionMover(TableOperations operations, FailurePoints failurePoints, int retries, Duration delay) {
		this.operations = operations;
		this.failurePoints = failurePoints;
		this.locked = new RetryTemplate(RetryPolicy.builder()
			.maxRetries(retries)
			.delay(delay)
			.predicate(PartitionMover::lockedPart)
			.build());
	}

	/**
	 * What a move of a partition did.
	 *
	 * @param parts the partition's active parts after the last round
	 * @param movedParts parts moved (same name, now on the volume)
	 * @param movedBytes their size
	 * @param left parts still off the volume after the last round
	 * @param rounds move statements sent
	 */
	public record Moved(List<PartPlacement> parts, int movedParts, long movedBytes, List<PartPlacement> left,
			int rounds) {

		public long rows() {
			return this.parts.stream().mapToLong(PartPlacement::rows).sum();
		}

	}

	/** Moves the partition's parts that are off the volume's disks onto it, up to {@link #ROUNDS} times. */
	public Moved move(String database, String table, String partitionId, String volume, Collection<String> disks) {
		List<PartPlacement> parts = placements(database, table, partitionId);
		List<PartPlacement> off = off(parts, disks);
		int movedParts = 0;
		long movedBytes = 0;
		int rounds = 0;
		while (!off.isEmpty() && rounds < ROUNDS) {
			rounds++;
			moveOnce(database, table, List.of(partitionId), volume);
			this.failurePoints.reached("move.afterMove", partitionId);
			parts = placements(database, table, partitionId);
			Moved round = verified(database, table, partitionId, volume, disks, off, parts, 1);
			movedParts += round.movedParts();
			movedBytes += round.movedBytes();
			off = round.left();
		}
		return new Moved(parts, movedParts, movedBytes, off, rounds);
	}

	/**
	 * Moves several partitions with one statement (their parts read before and after in one query
	 * each), for {@link MoveBatch}.
	 * @param moved receives what each partition's move did
	 * @param failed receives a partition whose part changed while it moved
	 * @throws RuntimeException when the shared statements fail: nothing is recorded, each
	 * partition's worker moves it on its own
	 */
	public void moveAll(String database, String table, List<String> partitionIds, String volume,
			Collection<String> disks, Map<String, Moved> moved, Map<String, RuntimeException> failed) {
		Map<String, List<PartPlacement>> before = this.operations.client()
			.withRetry(() -> this.operations.partPlacements(database, table, partitionIds));
		Map<String, List<PartPlacement>> off = new LinkedHashMap<>();
		before.forEach((id, parts) -> off.put(id, off(parts, disks)));
		List<String> moving = off.entrySet().stream().filter((entry) -> !entry.getValue().isEmpty()).map(Map.Entry::getKey).toList();
		Map<String, List<PartPlacement>> after = before;
		if (!moving.isEmpty()) {
			moveOnce(database, table, moving, volume);
			this.failurePoints.reached("move.afterBatch", moving.get(0));
			after = this.operations.client().withRetry(() -> this.operations.partPlacements(database, table, partitionIds));
		}
		for (String id : partitionIds) {
			try {
				Moved round = verified(database, table, id, volume, disks, off.get(id), after.get(id),
						moving.contains(id) ? 1 : 0);
				moved.put(id, round);
			}
			catch (MigratorException ex) {
				failed.put(id, ex);
			}
		}
	}

	/**
	 * What a move did, from the parts that were off the volume before it and the partition's parts
	 * after it: every part that kept its name and is now on the volume moved, and must have kept
	 * its contents.
	 */
	private static Moved verified(String database, String table, String partitionId, String volume,
			Collection<String> disks, List<PartPlacement> off, List<PartPlacement> parts, int rounds) {
		Map<String, PartPlacement> now = parts.stream().collect(Collectors.toMap(PartPlacement::name, Function.identity()));
		int movedParts = 0;
		long movedBytes = 0;
		for (PartPlacement before : off) {
			PartPlacement after = now.get(before.name());
			if (after == null || !disks.contains(after.disk())) {
				continue; // merged or dropped meanwhile, or not moved yet
			}
			if (!after.hash().equals(before.hash())) {
				throw new MigratorException(ExitCodes.FAILED, ("table %s.%s partition %s: part %s changed while it "
						+ "moved to volume '%s' (hash_of_all_files %s, now %s); stopped, nothing else was moved")
					.formatted(database, table, partitionId, before.name(), volume, before.hash(), after.hash()));
			}
			movedParts++;
			movedBytes += before.bytes();
		}
		return new Moved(parts, movedParts, movedBytes, off(parts, disks), rounds);
	}

	/**
	 * One move statement for one partition, or for several (then one {@code ALTER} with a command
	 * per partition), retried while a part is locked by a merge or another move.
	 */
	private void moveOnce(String database, String table, List<String> partitionIds, String volume) {
		String partitionId = String.join(", ", partitionIds);
		try {
			Supplier<Boolean> move = () -> {
				try {
					if (partitionIds.size() == 1 && this.failurePoints.failOnce("move.locked", partitionId)) {
						throw new ClickHouseException(LOCKED, "Code: 384. DB::Exception: simulated: part is temporarily "
								+ "locked (PART_IS_TEMPORARILY_LOCKED)", "MOVE PARTITION ID '" + partitionId + "'", null);
					}
					if (partitionIds.size() > 1) {
						this.operations.client()
							.withRetry(() -> {
								this.operations.movePartitionsToVolume(database, table, partitionIds, volume);
								return null;
							});
						return true;
					}
					return this.operations.client()
						.withRetry(() -> this.operations.movePartitionToVolume(database, table, partitionId, volume));
				}
				catch (ClickHouseException ex) {
					if (lockedPart(ex)) {
						logger.warn("Table {}.{} partition {}: a part is locked by a merge or another move ({}); retrying",
								database, table, partitionId, ClickHouseErrors.summary(ex));
					}
					throw ex;
				}
			};
			this.locked.invoke(move);
		}
		catch (ClickHouseException ex) {
			if (lockedPart(ex)) {
				throw new MigratorException(ExitCodes.FAILED, ("table %s.%s partition %s: its parts stayed locked by "
						+ "merges or other moves through every retry (%s); rerun to move the rest")
					.formatted(database, table, partitionId, ClickHouseErrors.summary(ex)), ex);
			}
			if (ex.code() == NOT_ENOUGH_SPACE) {
				throw new MigratorException(ExitCodes.FAILED, ("table %s.%s partition %s: volume '%s' has no room for its "
						+ "parts (%s): free space on its disks, or a part is larger than the volume's max_data_part_size; "
						+ "rerun once there is room").formatted(database, table, partitionId, volume,
								ClickHouseErrors.summary(ex)), ex);
			}
			if (ex.code() == ABORTED) {
				throw new MigratorException(ExitCodes.FAILED, ("table %s.%s: the server refuses to move parts (%s); "
						+ "run SYSTEM START MOVES %s.%s and rerun").formatted(database, table, ClickHouseErrors.summary(ex),
								database, table), ex);
			}
			throw ex;
		}
	}

	private List<PartPlacement> placements(String database, String table, String partitionId) {
		return this.operations.client().withRetry(() -> this.operations.partPlacements(database, table, partitionId));
	}

	private static List<PartPlacement> off(List<PartPlacement> parts, Collection<String> disks) {
		return parts.stream().filter((part) -> !disks.contains(part.disk())).toList();
	}

	private static boolean lockedPart(Throwable failure) {
		String message = String.valueOf(failure.getMessage());
		if (ClickHouseErrors.code(failure) == ABORTED) {
			return false; // "Cannot move parts because moves are manually disabled": no retry ends that
		}
		return ClickHouseErrors.code(failure) == LOCKED || message.contains("Cannot move part")
				|| message.contains("is already moving");
	}

}
