package io.github.chmigrator.migration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.config.CutOverWindow;
import io.github.chmigrator.config.LoadLimits;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

/**
 * The operator's controls, as gh-ost reads them: while {@code --throttle-flag-file} exists, or a
 * {@code --max-load} figure of the server is above its threshold, the run copies nothing more (a
 * partition or batch in flight completes first); above a {@code --critical-load} threshold it stops
 * (exit 5, the live table whole, resumable); while {@code --postpone-cut-over-flag-file} exists it
 * keeps the work table in step with the source but does not cut over. Each is checked where the run
 * would go on (every second while it waits) and logged once when a wait begins and once when it
 * ends, per table. A load that cannot be read pauses the run (fails closed), saying so.
 */
public class OperatorFlags {

	private static final Logger logger = LoggerFactory.getLogger(OperatorFlags.class);

	private final Path throttle;

	private final Path postpone;

	private final LoadLimits maxLoad;

	private final LoadLimits criticalLoad;

	private final TableOperations operations;

	/** When each wait began, by {@code flag|table}. */
	private final Map<String, Long> waiting = new ConcurrentHashMap<>();

	/** The last reading of each {@code system.events} counter and when it was read, for rates. */
	private final Map<String, double[]> counters = new ConcurrentHashMap<>();

	/**
	 * @param throttle the throttle flag file, {@code null} or blank for none
	 * @param postpone the postpone-cut-over flag file, {@code null} or blank for none
	 * @param maxLoad {@code --max-load}
	 * @param criticalLoad {@code --critical-load}
	 * @param window {@code --cut-over-window}, {@code null} for none
	 */
	private final CutOverWindow window;

	public OperatorFlags(String throttle, String postpone, LoadLimits maxLoad, LoadLimits criticalLoad,
			CutOverWindow window, TableOperations operations) {
		this.window = window;
		this.throttle = path(throttle);
		this.postpone = path(postpone);
		this.maxLoad = maxLoad;
		this.criticalLoad = criticalLoad;
		this.operations = operations;
	}

	/**
	 * Refuses metrics the server does not have (exit 2), before the run changes anything: a
	 * threshold on a name it never reports would never throttle.
	 */
	public void checkMetrics() {
		Set<String> names = new TreeSet<>(this.maxLoad.limits().keySet());
		names.addAll(this.criticalLoad.limits().keySet());
		Set<String> known = new HashSet<>();
		this.operations.loadFigures(names).keySet().forEach((key) -> known.add(key.substring(key.indexOf(':') + 1)));
		names.removeAll(known);
		if (!names.isEmpty()) {
			throw new MigratorException(ExitCodes.INVALID, ("--max-load / --critical-load name %s, which this server does "
					+ "not report in system.metrics, system.asynchronous_metrics or system.events").formatted(names));
		}
	}

	/**
	 * Whether the run must not copy more now: {@code --throttle-flag-file} exists, or the load is
	 * above {@code --max-load} (or cannot be read).
	 * @throws MigratorException (exit 5) when the load is above {@code --critical-load}
	 */
	public boolean throttled(String table) {
		if (check(this.throttle, table, "throttled", "copies nothing more")) {
			return true;
		}
		if (this.maxLoad.isEmpty() && this.criticalLoad.isEmpty()) {
			return false;
		}
		Map<String, Double> load;
		try {
			load = load();
		}
		catch (RuntimeException ex) {
			return waiting(table, "throttled", true, "the server's load cannot be read (" + ex.getMessage()
					+ "); the run pauses until it can");
		}
		String critical = this.criticalLoad.exceeded(load);
		if (critical != null) {
			throw new MigratorException(ExitCodes.STOPPED, ("%s: stopped on --critical-load (%s); nothing was swapped and "
					+ "the live table is whole. Rerun to resume once the server is less busy").formatted(table, critical));
		}
		String above = this.maxLoad.exceeded(load);
		return waiting(table, "throttled on --max-load", above != null,
				"the server's load is above --max-load (" + above + "); the run copies nothing more until it is below");
	}

	/**
	 * Whether the cut-over must wait: {@code --postpone-cut-over-flag-file} exists, or now is
	 * outside {@code --cut-over-window}.
	 */
	public boolean cutOverPostponed(String table) {
		boolean flagged = check(this.postpone, table, "cut-over postponed", "keeps the work table in step and does not cut over");
		boolean outside = this.window != null && waiting(table, "cut-over outside its window",
				!this.window.contains(Instant.now()), "the cut-over waits for --cut-over-window " + this.window
						+ "; the run keeps the work table in step meanwhile");
		return flagged || outside;
	}

	private boolean check(Path flag, String table, String what, String meaning) {
		if (flag == null) {
			return false;
		}
		return waiting(table, what, Files.exists(flag), "flag file " + flag + " exists; the run " + meaning
				+ " until it is removed");
	}

	/** Logs a wait once when it begins and once when it ends; returns whether it goes on. */
	private boolean waiting(String table, String what, boolean now, String why) {
		String key = what + "|" + table;
		if (now && this.waiting.putIfAbsent(key, System.currentTimeMillis()) == null) {
			logger.info("Table {}: {}: {}", table, what, why);
		}
		Long since = now ? null : this.waiting.remove(key);
		if (since != null) {
			logger.info("Table {}: {} no more after {} s", table, what, (System.currentTimeMillis() - since) / 1000);
		}
		return now;
	}

	/** The figures the thresholds name: values, and {@code system.events} as rates per second since the last read. */
	private Map<String, Double> load() {
		Set<String> names = new TreeSet<>(this.maxLoad.limits().keySet());
		names.addAll(this.criticalLoad.limits().keySet());
		Map<String, Double> load = new HashMap<>();
		long now = System.nanoTime();
		this.operations.loadFigures(names).forEach((key, value) -> {
			String name = key.substring(key.indexOf(':') + 1);
			if (key.startsWith("metric:")) {
				load.put(name, value);
				return;
			}
			double[] last = this.counters.put(name, new double[] { value, now });
			if (last != null && now > last[1]) {
				load.put(name, (value - last[0]) * 1e9 / (now - last[1]));
			}
		});
		return load;
	}

	private static Path path(String value) {
		return (value == null || value.isBlank()) ? null : Path.of(value);
	}

}
