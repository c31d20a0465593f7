package io.github.chmigrator.migration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's flag files, as gh-ost reads them: while {@code --throttle-flag-file} exists the
 * run copies nothing more (a partition or batch in flight completes first), and while
 * {@code --postpone-cut-over-flag-file} exists it keeps the work table in step with the source but
 * does not cut over. Each is checked where the run would go on (every second while it waits) and
 * logged once when a wait begins and once when it ends, per table.
 */
public class OperatorFlags {

	private static final Logger logger = LoggerFactory.getLogger(OperatorFlags.class);

	private final Path throttle;

	private final Path postpone;

	/** When each wait began, by {@code flag|table}. */
	private final Map<String, Long> waiting = new ConcurrentHashMap<>();

	/**
	 * @param throttle the throttle flag file, {@code null} or blank for none
	 * @param postpone the postpone-cut-over flag file, {@code null} or blank for none
	 */
	public OperatorFlags(String throttle, String postpone) {
		this.throttle = path(throttle);
		this.postpone = path(postpone);
	}

	/** Whether the run must not copy more now ({@code --throttle-flag-file} exists). */
	public boolean throttled(String table) {
		return check(this.throttle, table, "throttled", "copies nothing more");
	}

	/** Whether the cut-over must wait ({@code --postpone-cut-over-flag-file} exists). */
	public boolean cutOverPostponed(String table) {
		return check(this.postpone, table, "cut-over postponed", "keeps the work table in step and does not cut over");
	}

	private boolean check(Path flag, String table, String what, String meaning) {
		if (flag == null) {
			return false;
		}
		String key = what + "|" + table;
		boolean present = Files.exists(flag);
		if (present && this.waiting.putIfAbsent(key, System.currentTimeMillis()) == null) {
			logger.info("Table {}: {}: flag file {} exists; the run {} until it is removed", table, what, flag, meaning);
		}
		Long since = present ? null : this.waiting.remove(key);
		if (since != null) {
			logger.info("Table {}: {} no more: flag file {} is gone after {} s", table, what, flag,
					(System.currentTimeMillis() - since) / 1000);
		}
		return present;
	}

	private static Path path(String value) {
		return (value == null || value.isBlank()) ? null : Path.of(value);
	}

}
