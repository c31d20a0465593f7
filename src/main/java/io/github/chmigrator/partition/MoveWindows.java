package io.github.chmigrator.partition;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * When rows of one partition were in flight from the source to the work table: from the moment
 * the migrator listed the source parts it copied (their rows were then in the source only) until
 * it had dropped them from the source (then in the work table only). One window for the copy, one
 * per catch-up of rows inserted later. Kept as {@code start-end;start-end} (epoch milliseconds of
 * the migrator's clock); an open window (a crash in flight) ends at {@link Long#MAX_VALUE}.
 *
 * <p>An operator's statement that removed the partition from the source ({@code DROP PARTITION},
 * {@code TRUNCATE}, …) has the same effect on the moved rows only when it came after every window
 * that moved rows (they were in the source before it, so it would have removed them) and before any
 * later one; it has nothing to carry when it came before every window; anything else (during a
 * window, or between two of them) the migrator cannot settle ({@link #effectOf}).
 *
 * @param windows pairs of {@code [start, end]}
 */
public record MoveWindows(List<long[]> windows) {

	public static final MoveWindows NONE = new MoveWindows(List.of());

	/** What a statement that removed the partition from the source means for the moved rows. */
	public enum Effect {

		/** It came before any row moved: the copy already reflects it. */
		NONE,
		/** It came after every move: the work table's partition must go the same way. */
		CARRY,
		/** It overlapped a move, or came between two: it cannot be settled. */
		UNCERTAIN

	}

	public static MoveWindows of(long start, long end) {
		return new MoveWindows(List.of(new long[] { start, end }));
	}

	public static MoveWindows parse(String text) {
		if (text == null || text.isBlank()) {
			return NONE;
		}
		List<long[]> windows = new ArrayList<>();
		for (String window : text.split(";")) {
			String[] bounds = window.split("-");
			windows.add(new long[] { Long.parseLong(bounds[0]), Long.parseLong(bounds[1]) });
		}
		return new MoveWindows(List.copyOf(windows));
	}

	public String format() {
		return this.windows.stream().map((window) -> window[0] + "-" + window[1]).collect(Collectors.joining(";"));
	}

	public MoveWindows plus(MoveWindows other) {
		List<long[]> all = new ArrayList<>(this.windows);
		all.addAll(other.windows);
		return new MoveWindows(List.copyOf(all));
	}

	public boolean isEmpty() {
		return this.windows.isEmpty();
	}

	/**
	 * @param start when the statement started, on the migrator's clock
	 * @param end when it finished, likewise
	 * @param margin how far apart the two clocks may be, in milliseconds
	 */
	public Effect effectOf(long start, long end, long margin) {
		boolean before = false;
		boolean after = false;
		for (long[] window : this.windows) {
			if (window[1] < start - margin) {
				before = true;
			}
			else if (window[0] > end + margin) {
				after = true;
			}
			else {
				return Effect.UNCERTAIN;
			}
		}
		if (before && after) {
			return Effect.UNCERTAIN;
		}
		return before ? Effect.CARRY : Effect.NONE;
	}

}
