package io.github.chmigrator.migration;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.github.chmigrator.clickhouse.PartitionInfo;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.partition.PartitionPlanner;

/**
 * Where each table's run is, for the operator: the progress line per partition (table, partition,
 * {@code [i/n]}, rows, bytes, seconds, strategy, rate, and the table's ETA from this run's
 * throughput so far), and the live state the status file, {@code --status} and the hooks read:
 * phase, partitions in flight, totals, and why the run waits (throttle, postponed cut-over).
 */
public class ProgressTracker {

	private static final Logger logger = LoggerFactory.getLogger(ProgressTracker.class);

	private final Map<String, TableProgress> tables = new ConcurrentHashMap<>();

	/** Starts the clock for a table's copy (or move): its plan gives the totals. */
	public void begin(String table, List<PartitionInfo> plan) {
		TableProgress progress = progress(table);
		synchronized (progress) {
			progress.totalBytes = plan.stream().mapToLong(PartitionInfo::bytes).sum();
			progress.totalRows = plan.stream().mapToLong(PartitionInfo::rows).sum();
			progress.totalPartitions = plan.size();
			progress.doneBytes = 0;
			progress.doneRows = 0;
			progress.donePartitions = 0;
			progress.startedNanos = System.nanoTime();
		}
	}

	/** The phase a table's job is in (its step). */
	public void phase(String table, String phase) {
		progress(table).phase = phase;
	}

	/** Partitions a worker (or a batch) starts on. */
	public void started(String table, List<String> partitions) {
		long now = System.currentTimeMillis();
		TableProgress progress = progress(table);
		partitions.forEach((partition) -> progress.inFlight.put(partition, now));
	}

	/** Partitions no longer in flight (done, failed or stopped). */
	public void ended(String table, List<String> partitions) {
		TableProgress progress = progress(table);
		partitions.forEach(progress.inFlight::remove);
	}

	/** Why the run waits ({@code throttled…}, {@code cut-over…}), or {@code null} once it no longer does. */
	public void waiting(String table, String what, String why) {
		TableProgress progress = progress(table);
		if (why == null) {
			progress.waits.remove(what);
		}
		else {
			progress.waits.put(what, why);
		}
	}

	/** Forgets a table whose job ended. */
	public void forget(String table) {
		this.tables.remove(table);
	}

	/** Logs the line for a partition whose ExecutionContext is {@code DONE}. */
	public void partitionDone(String table, ExecutionContext context) {
		long rows = context.getLong(PartitionPlanner.COPIED_ROWS, 0);
		long bytes = context.getLong(PartitionPlanner.PLANNED_BYTES, 0);
		double seconds = context.getDouble(PartitionPlanner.SECONDS, 0);
		TableProgress progress = progress(table);
		String eta = progress.add(rows, bytes);
		logger.info("Table {} partition {} [{}/{}]: {} rows, {}, {}, {}, {} rows/s; table ETA {}", table,
				context.getString(PartitionPlanner.PARTITION), context.getInt(PartitionPlanner.INDEX),
				context.getInt(PartitionPlanner.COUNT), Sizes.count(rows), Sizes.bytes(bytes), Sizes.seconds(seconds),
				context.getString(PartitionPlanner.STRATEGY, "none"),
				Sizes.count((seconds > 0) ? Math.round(rows / seconds) : rows), eta);
	}

	/** The table's live state now. */
	public Snapshot snapshot(String table) {
		return progress(table).snapshot();
	}

	private TableProgress progress(String table) {
		return this.tables.computeIfAbsent(table, (key) -> new TableProgress());
	}

	/**
	 * A table's live state.
	 * @param phase the step the job is in
	 * @param partitionsDone partitions copied (or moved) by this run
	 * @param partitionsTotal partitions planned
	 * @param rowsDone rows copied by this run
	 * @param rowsTotal rows planned
	 * @param bytesDone bytes of the partitions copied by this run
	 * @param bytesTotal bytes planned
	 * @param bytesPerSecond this run's rate so far
	 * @param etaSeconds the copy's remaining time at that rate, {@code null} when unknown
	 * @param percent bytes done of the planned bytes, 0 to 100
	 * @param inFlight partitions being copied and for how many seconds
	 * @param waits why the run waits: {@code throttled…} or {@code cut-over…} to the reason
	 */
	public record Snapshot(String phase, int partitionsDone, int partitionsTotal, long rowsDone, long rowsTotal,
			long bytesDone, long bytesTotal, double bytesPerSecond, Long etaSeconds, double percent,
			Map<String, Long> inFlight, Map<String, String> waits) {

		/** The reason the run is throttled, {@code null} when it is not. */
		public String throttled() {
			return reason("throttled");
		}

		/** The reason the cut-over waits, {@code null} when it does not. */
		public String postponed() {
			return reason("cut-over");
		}

		private String reason(String prefix) {
			List<String> reasons = new ArrayList<>();
			this.waits.forEach((what, why) -> {
				if (what.startsWith(prefix)) {
					reasons.add(why);
				}
			});
			return reasons.isEmpty() ? null : String.join("; ", reasons);
		}

	}

	private static final class TableProgress {

		private volatile String phase = "starting";

		private final Map<String, Long> inFlight = new ConcurrentHashMap<>();

		private final Map<String, String> waits = new ConcurrentHashMap<>();

		private long totalBytes;

		private long totalRows;

		private int totalPartitions;

		private long doneBytes;

		private long doneRows;

		private int donePartitions;

		private long startedNanos = System.nanoTime();

		synchronized String add(long rows, long bytes) {
			this.doneBytes += bytes;
			this.doneRows += rows;
			this.donePartitions++;
			Long eta = eta();
			return (eta == null) ? "unknown" : String.format(Locale.ROOT, "%d s", eta);
		}

		private Long eta() {
			double elapsed = (System.nanoTime() - this.startedNanos) / 1e9;
			long remaining = Math.max(0, this.totalBytes - this.doneBytes);
			if (remaining == 0) {
				return 0L;
			}
			if (this.doneBytes == 0 || elapsed <= 0) {
				return null;
			}
			return Math.round(remaining * elapsed / this.doneBytes);
		}

		synchronized Snapshot snapshot() {
			double elapsed = (System.nanoTime() - this.startedNanos) / 1e9;
			long now = System.currentTimeMillis();
			Map<String, Long> flying = new LinkedHashMap<>();
			this.inFlight.forEach((partition, since) -> flying.put(partition, (now - since) / 1000));
			double percent = (this.totalBytes > 0) ? Math.min(100.0, 100.0 * this.doneBytes / this.totalBytes)
					: ((this.totalPartitions > 0) ? 100.0 * this.donePartitions / this.totalPartitions : 0);
			return new Snapshot(this.phase, this.donePartitions, this.totalPartitions, this.doneRows, this.totalRows,
					this.doneBytes, this.totalBytes, (elapsed > 0) ? this.doneBytes / elapsed : 0, eta(),
					Math.round(percent * 10) / 10.0, flying, Map.copyOf(this.waits));
		}

	}

}
