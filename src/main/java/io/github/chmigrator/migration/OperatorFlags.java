package io.github.chmigrator.migration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.config.CutOverWindow;
import io.github.chmigrator.config.LoadLimits;
import io.github.chmigrator.config.MigrationSettings;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.Sizes;

/**
 * The operator's controls, as gh-ost reads them: while {@code --throttle-flag-file} exists, or a
 * {@code --max-load} figure of the server is above its threshold, the run copies nothing more (a
 * partition or batch in flight completes first); above a {@code --critical-load} threshold it stops
 * (exit 5, the live table whole, resumable); while {@code --postpone-cut-over-flag-file} exists it
 * keeps the work table in step with the source but does not cut over. Each is checked where the run
 * would go on (every second while it waits) and logged once when a wait begins and once when it
 * ends, per table. A load that cannot be read pauses the run (fails closed), saying so. Beside the
 * load: {@code --max-parts-in-partition} pauses while a partition of the source has more active
 * parts (ClickHouse delays and then refuses inserts there: {@code parts_to_delay_insert},
 * {@code parts_to_throw_insert}),
 * {@code --max-replica-delay} while a replica of the source is further behind, and
 * {@code --min-free-local-bytes} stops the run (exit 5) before a local disk runs out. These read
 * {@code system.parts}, {@code system.replicas} and {@code system.disks} at most every
 * {@value #TABLE_CHECK_MILLIS} ms per table, so a table of many small partitions does not pay a
 * read of its parts per partition. Every wait is also told to the {@link ProgressTracker} for the
 * status file and {@code --status}.
 */
public class OperatorFlags {

	private static final Logger logger = LoggerFactory.getLogger(OperatorFlags.class);

	/** How often the checks that read a table's parts, replicas or the disks read them again. */
	static final long TABLE_CHECK_MILLIS = 5000;

	private final Path throttle;

	private final Path postpone;

	private final LoadLimits maxLoad;

	private final LoadLimits criticalLoad;

	private final CutOverWindow window;

	private final int maxParts;

	private final long minFreeLocalBytes;

	private final int maxReplicaDelay;

	private final TableOperations operations;

	private final ProgressTracker progress;

	/** When each wait began, by {@code flag|table}. */
	private final Map<String, Long> waiting = new ConcurrentHashMap<>();

	/** The last reading of each {@code system.events} counter and when it was read, for rates. */
	private final Map<String, double[]> counters = new ConcurrentHashMap<>();

	/** The last verdict of the table checks, and when it was reached, by table. */
	private final Map<String, Verdict> verdicts = new ConcurrentHashMap<>();

	public OperatorFlags(MigrationSettings settings, TableOperations operations, ProgressTracker progress) {
		this.throttle = path(settings.throttleFlagFile());
		this.postpone = path(settings.postponeCutOverFlagFile());
		this.maxLoad = LoadLimits.parse(settings.maxLoad(), "--max-load");
		this.criticalLoad = LoadLimits.parse(settings.criticalLoad(), "--critical-load");
		this.window = CutOverWindow.parse(settings.cutOverWindow());
		this.maxParts = settings.maxPartsInPartition();
		this.minFreeLocalBytes = settings.minFreeLocalBytes();
		this.maxReplicaDelay = settings.maxReplicaDelay();
		this.operations = operations;
		this.progress = progress;
	}

	/** {@code --cut-over-window}, {@code null} without one. */
	public CutOverWindow window() {
		return this.window;
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
	 * Whether the run must not copy more now: {@code --throttle-flag-file} exists, the load is
	 * above {@code --max-load} (or cannot be read), a partition has more parts than
	 * {@code --max-parts-in-partition}, or a replica is further behind than {@code --max-replica-delay}.
	 * @throws MigratorException (exit 5) when the load is above {@code --critical-load}, or a local
	 * disk has less free space than {@code --min-free-local-bytes}
	 */
	public boolean throttled(TableJobParameters job) {
		String table = job.qualifiedTable();
		boolean flagged = check(this.throttle, table, "throttled", "copies nothing more");
		boolean loaded = loaded(table);
		boolean tableLimits = tableLimits(job);
		return flagged || loaded || tableLimits;
	}

	private boolean loaded(String table) {
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
			throw stopped(table, "--critical-load (" + critical + ")", "once the server is less busy");
		}
		String above = this.maxLoad.exceeded(load);
		return waiting(table, "throttled on --max-load", above != null,
				"the server's load is above --max-load (" + above + "); the run copies nothing more until it is below");
	}

	/** The checks that read the table's parts, its replicas and the disks, at most every few seconds. */
	private boolean tableLimits(TableJobParameters job) {
		if (this.maxParts == 0 && this.minFreeLocalBytes == 0 && this.maxReplicaDelay == 0) {
			return false;
		}
		String table = job.qualifiedTable();
		Verdict verdict = this.verdicts.get(table);
		if (verdict == null || System.currentTimeMillis() - verdict.at() >= TABLE_CHECK_MILLIS) {
			verdict = judge(job);
			this.verdicts.put(table, verdict);
		}
		if (verdict.full() != null) {
			throw stopped(table, "--min-free-local-bytes (" + verdict.full() + ")", "once the disk has room");
		}
		boolean parts = waiting(table, "throttled on --max-parts-in-partition", verdict.parts() != null,
				"partition " + verdict.parts() + " has more than " + this.maxParts
						+ " active parts; the run copies nothing more until merges bring it down");
		boolean replicas = waiting(table, "throttled on --max-replica-delay", verdict.replica() != null,
				"a replica of the table is " + verdict.replica() + " s behind (more than " + this.maxReplicaDelay
						+ " s); the run copies nothing more until it catches up");
		return parts || replicas;
	}

	private Verdict judge(TableJobParameters job) {
		String parts = null;
		if (this.maxParts > 0) {
			// the source only: merges on the work table stay stopped until the swap, so waiting for its
			// part count to fall would wait for ever (it holds one part per source part copied, plus
			// the catch-up's moved parts)
			var busiest = this.operations.busiestPartition(job.database(), List.of(job.table()));
			if (busiest != null && busiest.getValue() > this.maxParts) {
				parts = busiest.getKey() + " (" + busiest.getValue() + " parts)";
			}
		}
		String full = null;
		if (this.minFreeLocalBytes > 0) {
			for (var disk : this.operations.localDiskFreeSpace().entrySet()) {
				if (disk.getValue() < this.minFreeLocalBytes) {
					full = "disk " + disk.getKey() + " has " + Sizes.bytes(disk.getValue()) + " free, less than "
							+ Sizes.bytes(this.minFreeLocalBytes);
				}
			}
		}
		Long replica = null;
		if (this.maxReplicaDelay > 0) {
			long delay = this.operations.replicaDelaySeconds(job.database(), job.table());
			replica = (delay > this.maxReplicaDelay) ? delay : null;
		}
		return new Verdict(System.currentTimeMillis(), parts, full, replica);
	}

	/** What the table checks found: a partition with too many parts, a full disk, a replica's delay. */
	private record Verdict(long at, String parts, String full, Long replica) {
	}

	private static MigratorException stopped(String table, String why, String when) {
		return new MigratorException(ExitCodes.STOPPED, ("%s: stopped on %s; nothing was swapped and the live table is "
				+ "whole. Rerun to resume %s").formatted(table, why, when));
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
		this.progress.waiting(table, what, now ? why : null);
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
