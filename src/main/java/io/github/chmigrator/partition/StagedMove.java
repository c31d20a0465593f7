package io.github.chmigrator.partition;

/**
 * Where a move through a private table stands ({@code INSERT} or {@code ATTACH} into it, counted,
 * then {@code ALTER TABLE … MOVE PARTITION … TO TABLE}), from the rows its partition holds, also
 * after a crash: all the rows staged, it is still to be moved; none, the move happened
 * ({@code MOVE PARTITION} is atomic); anything else, someone else changed the private table. Used by
 * the swap's catch-up and by {@code --abort}.
 */
public enum StagedMove {

	TO_MOVE, MOVED, INCONSISTENT;

	public static StagedMove of(long inStaging, long staged) {
		if (inStaging == staged) {
			return TO_MOVE;
		}
		return (inStaging == 0) ? MOVED : INCONSISTENT;
	}

}
