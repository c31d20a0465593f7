package io.github.chmigrator.config;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

/**
 * What to migrate and how (design §4.1.1 and §7: {@code migration.*}, {@code --mode}, {@code --db} …).
 *
 * @param mode {@code single} (one table) or {@code full} (every eligible table of the database)
 * @param db the database
 * @param table the table, for {@code single}
 * @param insertInterval seconds to wait after each partition (design default 1.0)
 * @param resume the design's resume switch; a rerun of the same table always resumes
 * @param strategy how partitions migrate: {@code auto}, {@code attach}, {@code insert} or {@code move} (in place)
 * @param keepSource keep the old table as {@code <table>_origin} after the cut-over
 * @param verify {@code count} (rows per partition) or {@code checksum} (plus a hash of every stored column)
 * @param parallelism partitions copied at once
 * @param restart a JobInstance id to restart instead of starting a new run
 * @param list list recent job instances and executions instead of migrating
 * @param progressFile the original script's progress file (default {@code <report.path>/migration_progress.json})
 * @param acceptSourceChanges the operator carried the source's changes since the run began to the work
 * table (or decided they do not matter): take the source as it is now as the new baseline
 * @param abort put the partitions an unfinished migration moved back into the table, and abandon it
 * @param maxBytesPerSecond the average copy rate per table not to exceed (bytes of the partitions
 * copied per second), 0 for no limit
 * @param batchPartitions small partitions copied together, at most (1: one by one)
 * @param batchBytes the bytes of a batch of small partitions, at most (a larger partition is copied alone)
 * @param dryRun print and write what the run would do, change nothing
 * @param direction {@code to-s3}, or {@code to-local}: back from S3 to a policy on local disks
 * @param freeLocalPerPartition the design's original loop: drop each source partition as soon as it is
 * copied (readers of the live table miss it until the cut-over); off by default, the source stays whole
 * @param mutationWait how long the cut-over waits for a moment without unfinished mutations on the source
 * @param throttleFlagFile while this file exists the run copies nothing more (gh-ost's flag)
 * @param postponeCutOverFlagFile while this file exists the run keeps the work table in step but
 * does not cut over (gh-ost's flag)
 * @param maxLoad {@code METRIC=N,…}: above any, the run pauses (gh-ost's {@code --max-load})
 * @param criticalLoad {@code METRIC=N,…}: above any, the run stops, resumable (gh-ost's {@code --critical-load})
 * @param cutOverWindow {@code HH:MM-HH:MM} in UTC: the cut-over starts only inside it
 * @param stop a JobInstance id whose running execution is asked to stop (Spring Batch's stop)
 * @param status {@code last} or a JobInstance id whose live status is printed instead of migrating
 * @param json {@code --status} prints JSON
 * @param maxPartsInPartition pause while a partition of the source has more active parts than
 * this, 0 for no limit
 * @param minFreeLocalBytes stop (exit 5) when a local disk of the server has less free space, 0 for no check
 * @param maxReplicaDelay pause while a replica of a Replicated source is further behind (seconds), 0 for no check
 */
@ConfigurationProperties("migration")
public record MigrationSettings(@DefaultValue("single") String mode, String db, String table,
		@DefaultValue("1.0") double insertInterval, @DefaultValue("false") boolean resume,
		@DefaultValue("auto") String strategy, @DefaultValue("false") boolean keepSource,
		@DefaultValue("count") String verify, @DefaultValue("1") int parallelism, Long restart,
		@DefaultValue("false") boolean list, String progressFile, @DefaultValue("false") boolean acceptSourceChanges,
		@DefaultValue("false") boolean abort, @DefaultValue("0") long maxBytesPerSecond,
		@DefaultValue("100") int batchPartitions, @DefaultValue("67108864") long batchBytes,
		@DefaultValue("false") boolean dryRun, @DefaultValue("to-s3") String direction,
		@DefaultValue("false") boolean freeLocalPerPartition, @DefaultValue("10m") Duration mutationWait,
		String throttleFlagFile, String postponeCutOverFlagFile, String maxLoad, String criticalLoad,
		String cutOverWindow, Long stop, String status, @DefaultValue("false") boolean json,
		@DefaultValue("0") int maxPartsInPartition, @DefaultValue("0") long minFreeLocalBytes,
		@DefaultValue("0") int maxReplicaDelay) {

	/** Whether the run moves tables to S3 (the default), not back to local disks. */
	public boolean toS3() {
		return !direction.equals("to-local");
	}

	/** Whether {@code --status} was asked for: print a run's status instead of migrating. */
	public boolean statusRequested() {
		return this.status != null && !this.status.isBlank();
	}

	/** Rejects values no run can start with, naming the flag. */
	public void validate() {
		require(parallelism >= 1, "--parallelism must be 1 or more (got " + parallelism + ")");
		require(insertInterval >= 0, "--insert-interval must be 0 or more seconds (got " + insertInterval + ")");
		require(maxBytesPerSecond >= 0, "--max-bytes-per-second must be 0 (no limit) or more (got " + maxBytesPerSecond + ")");
		require(batchPartitions >= 1, "--batch-partitions must be 1 (no batches) or more (got " + batchPartitions + ")");
		require(batchBytes >= 0, "--batch-bytes must be 0 (no batches) or more (got " + batchBytes + ")");
		require(!dryRun || (this.restart == null && !this.list && !this.abort),
				"--dry-run plans a table (--mode single) or a database (--mode full): not with --restart, --list or --abort");
		require(maxPartsInPartition >= 0, "--max-parts-in-partition must be 0 (no limit) or more (got " + maxPartsInPartition + ")");
		require(maxReplicaDelay >= 0, "--max-replica-delay must be 0 (no check) or more seconds (got " + maxReplicaDelay + ")");
		require(minFreeLocalBytes >= 0, "--min-free-local-bytes must be 0 (no check) or more (got " + minFreeLocalBytes + ")");
		if (this.restart != null || this.list || this.stop != null || statusRequested()) {
			return;
		}
		require(mode.equals("single") || mode.equals("full"), "--mode must be 'single' or 'full' (got '" + mode + "')");
		require(db != null && !db.isBlank(), "--db is required");
		require(!mode.equals("single") || (table != null && !table.isBlank()), "--mode single needs --table");
		require(!abort || mode.equals("single"), "--abort works on one table: --mode single --db D --table T");
		require(strategy.equals("auto") || strategy.equals("attach") || strategy.equals("insert") || strategy.equals("move"),
				"--strategy must be 'auto', 'attach', 'insert' or 'move' (got '" + strategy + "')");
		require(!(freeLocalPerPartition && keepSource),
				"--free-local-per-partition drops each source partition once copied; --keep-source keeps the source: choose one");
		LoadLimits.parse(maxLoad, "--max-load");
		LoadLimits.parse(criticalLoad, "--critical-load");
		CutOverWindow.parse(cutOverWindow);
		require(direction.equals("to-s3") || direction.equals("to-local"),
				"--direction must be 'to-s3' or 'to-local' (got '" + direction + "')");
		require(verify.equals("count") || verify.equals("checksum"),
				"--verify must be 'count' or 'checksum' (got '" + verify + "')");
	}

	private static void require(boolean condition, String message) {
		if (!condition) {
			throw new MigratorException(ExitCodes.INVALID, message);
		}
	}

}
