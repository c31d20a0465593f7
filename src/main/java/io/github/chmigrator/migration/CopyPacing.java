package io.github.chmigrator.migration;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Keeps a table's average copy rate under {@code --max-bytes-per-second} by pausing after each
 * partition: ClickHouse's own bandwidth settings do not cover every copy path (an {@code ATTACH
 * PARTITION … FROM} between disks is not a query reading or writing over the network), so the
 * migrator paces whole partitions. The rate is the partitions' planned bytes over the time since
 * the first of them began copying in this run; a partition larger than a second's worth still goes
 * at full speed, and the pause after it makes up for it.
 */
public class CopyPacing {

	private final LongSupplier clock;

	/** Per job execution: when its first partition began copying, and the bytes copied since. */
	private final Map<Long, long[]> runs = new HashMap<>();

	public CopyPacing() {
		this(System::currentTimeMillis);
	}

	CopyPacing(LongSupplier clock) {
		this.clock = clock;
	}

	/**
	 * Records a copied partition.
	 * @param jobExecutionId the run
	 * @param startedMillis when the partition began copying
	 * @param bytes its bytes
	 * @param limit bytes per second not to exceed on average, 0 for none
	 * @return how long to pause, in milliseconds, before the next partition
	 */
	public synchronized long pauseAfter(long jobExecutionId, long startedMillis, long bytes, long limit) {
		long[] run = this.runs.computeIfAbsent(jobExecutionId, (id) -> new long[] { startedMillis, 0 });
		run[0] = Math.min(run[0], startedMillis);
		run[1] += bytes;
		if (limit <= 0) {
			return 0;
		}
		long due = run[0] + (long) Math.ceil(run[1] * 1000.0 / limit);
		return Math.max(0, due - this.clock.getAsLong());
	}

}
