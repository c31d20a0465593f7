package io.github.chmigrator.migration;

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
 * The operator's progress line, one per partition: table, partition, {@code [i/n]}, rows, bytes,
 * seconds, strategy, rate, and the table's ETA from this run's throughput so far.
 */
public class ProgressTracker {

	private static final Logger logger = LoggerFactory.getLogger(ProgressTracker.class);

	private final Map<String, TableProgress> tables = new ConcurrentHashMap<>();

	/** Starts the clock for a table's copy. */
	public void begin(String table, List<PartitionInfo> plan) {
		this.tables.put(table, new TableProgress(plan.stream().mapToLong(PartitionInfo::bytes).sum(), System.nanoTime()));
	}

	/** Logs the line for a partition whose ExecutionContext is {@code DONE}. */
	public void partitionDone(String table, ExecutionContext context) {
		long rows = context.getLong(PartitionPlanner.COPIED_ROWS, 0);
		long bytes = context.getLong(PartitionPlanner.PLANNED_BYTES, 0);
		double seconds = context.getDouble(PartitionPlanner.SECONDS, 0);
		TableProgress progress = this.tables.computeIfAbsent(table, (key) -> new TableProgress(0, System.nanoTime()));
		String eta = progress.add(bytes);
		logger.info("Table {} partition {} [{}/{}]: {} rows, {}, {}, {}, {} rows/s; table ETA {}", table,
				context.getString(PartitionPlanner.PARTITION), context.getInt(PartitionPlanner.INDEX),
				context.getInt(PartitionPlanner.COUNT), Sizes.count(rows), Sizes.bytes(bytes), Sizes.seconds(seconds),
				context.getString(PartitionPlanner.STRATEGY, "none"),
				Sizes.count((seconds > 0) ? Math.round(rows / seconds) : rows), eta);
	}

	private static final class TableProgress {

		private final long totalBytes;

		private final long startedNanos;

		private long doneBytes;

		TableProgress(long totalBytes, long startedNanos) {
			this.totalBytes = totalBytes;
			this.startedNanos = startedNanos;
		}

		synchronized String add(long bytes) {
			this.doneBytes += bytes;
			double elapsed = (System.nanoTime() - this.startedNanos) / 1e9;
			long remaining = Math.max(0, this.totalBytes - this.doneBytes);
			if (remaining == 0) {
				return "0 s";
			}
			if (this.doneBytes == 0 || elapsed <= 0) {
				return "unknown";
			}
			return String.format(Locale.ROOT, "%.0f s", remaining * elapsed / this.doneBytes);
		}

	}

}
