package io.github.chmigrator.partition;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * What the swap step records of its catch-ups (rows that reached the source after their partition
 * was copied, moved into the work table), in its ExecutionContext: per partition the block ranges
 * ({@value #BLOCKS_PREFIX}{@code <id>}) and windows ({@value #WINDOWS_PREFIX}{@code <id>},
 * {@link MoveWindows}) of the moves done, and the move in flight ({@value #PENDING}).
 */
public final class CatchUps {

	public static final String BLOCKS_PREFIX = "catchUpBlocks.";

	public static final String WINDOWS_PREFIX = "catchUpWindows.";

	public static final String PENDING = "catchUpPending";

	private CatchUps() {
	}

	/** The block ranges caught up so far, per partition. */
	public static Map<String, BlockRanges> blocks(ExecutionContext context) {
		Map<String, BlockRanges> blocks = byPrefix(context, BLOCKS_PREFIX, BlockRanges::parse);
		for (Move move : Move.parseAll(context.getString(PENDING, ""))) {
			blocks.merge(move.partitionId(), BlockRanges.parse(move.blocks()), BlockRanges::plus);
		}
		return blocks;
	}

	/**
	 * When rows of each partition were in flight from the source to the target before the exchange
	 * ({@link MoveWindows}): the moves done, and the one in flight, open until it is done.
	 */
	public static Map<String, MoveWindows> windows(ExecutionContext context) {
		Map<String, MoveWindows> windows = byPrefix(context, WINDOWS_PREFIX, MoveWindows::parse);
		for (Move move : Move.parseAll(context.getString(PENDING, ""))) {
			windows.merge(move.partitionId(), MoveWindows.of(move.listedAt(), Long.MAX_VALUE), MoveWindows::plus);
		}
		return windows;
	}

	/** The String values of the keys that start with a prefix, by the rest of the key, parsed. */
	public static <T> Map<String, T> byPrefix(ExecutionContext context, String prefix, Function<String, T> parser) {
		Map<String, T> values = new LinkedHashMap<>();
		context.entrySet()
			.stream()
			.filter((entry) -> entry.getKey().startsWith(prefix))
			.forEach((entry) -> values.put(entry.getKey().substring(prefix.length()), parser.apply((String) entry.getValue())));
		return values;
	}

	/**
	 * The move in flight, as recorded before it starts.
	 *
	 * @param listedAt when its parts were listed (epoch ms; 0 in a record of an earlier version)
	 */
	public record Move(String partitionId, List<String> parts, long rows, String blocks, long listedAt) {

		public String format() {
			return String.join("|", this.partitionId, String.join(",", this.parts), Long.toString(this.rows), this.blocks,
					Long.toString(this.listedAt));
		}

		/** Several moves in flight together, as {@link #formatAll} wrote them ({@code ;} between them). */
		public static List<Move> parseAll(String text) {
			return (text == null || text.isEmpty()) ? List.of()
					: java.util.Arrays.stream(text.split(";")).map(Move::parse).toList();
		}

		public static String formatAll(List<Move> moves) {
			return String.join(";", moves.stream().map(Move::format).toList());
		}

		public static Move parse(String text) {
			String[] fields = text.split("\\|", -1);
			return new Move(fields[0], List.of(fields[1].split(",")), Long.parseLong(fields[2]), fields[3],
					(fields.length > 4) ? Long.parseLong(fields[4]) : 0);
		}

	}

}
