package io.github.chmigrator.legacy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;

import io.github.chmigrator.legacy.ProgressFile.PartitionProgress;
import io.github.chmigrator.legacy.ProgressFile.TableProgress;
import io.github.chmigrator.migration.MigrationOutcome;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.PartitionPlanner;

/**
 * Keeps the progress file up to date: the table's entry when its job starts and ends, and the
 * partitions whose worker step is done and that left the source (with {@code --free-local-per-partition};
 * moved in place). With the source kept whole no partition leaves it before the cut-over, so the
 * entry only says {@code in_progress}, then {@code completed} or {@code failed}. Every write rereads and rewrites the whole file atomically
 * under a file lock, so runs of different tables may share one file and a crash never leaves it
 * half written. A file of many partitions grows with them, so finished partitions are written
 * together, at most once per {@value #BATCH_MILLIS} ms (or {@value #WRITE_SHARE} times as long as
 * the last write took, so that a file of 100,000 partitions takes no more than a twentieth of the
 * run) and when the job ends: the file is an export for the original script's users, the
 * JobRepository is what a rerun resumes from.
 */
public class ProgressFileExporter implements JobExecutionListener, StepExecutionListener {

	private static final Logger logger = LoggerFactory.getLogger(ProgressFileExporter.class);

	static final long BATCH_MILLIS = 2_000;

	static final int WRITE_SHARE = 20;

	private final Path file;

	/** Finished partitions not written yet, per table. */
	private final Map<String, Map<String, PartitionProgress>> pending = new HashMap<>();

	/** Tables whose partitions were moved in place: their target table is the table itself. */
	private final Map<String, String> inPlace = new HashMap<>();

	private long lastWrite;

	private long lastWriteTook;

	public ProgressFileExporter(Path file) {
		this.file = file;
	}

	public Path file() {
		return this.file;
	}

	@Override
	public void beforeJob(JobExecution execution) {
		TableJobParameters job = TableJobParameters.of(execution.getJobParameters());
		update(job.qualifiedTable(), (entry) -> {
			String now = Instant.now().toString();
			return (entry != null) ? entry.withStatus("in_progress", now)
					: new TableProgress("in_progress", job.workTable(), job.targetPolicy(), now, now, null, Map.of());
		});
	}

	@Override
	public ExitStatus afterStep(StepExecution step) {
		var context = step.getExecutionContext();
		if (!PartitionPlanner.isWorker(step.getStepName()) || step.getStatus() != BatchStatus.COMPLETED
				|| !context.containsKey(PartitionPlanner.COPIED_ROWS)) {
			return null;
		}
		if (step.getStepName().startsWith(PartitionPlanner.WORKER_STEP + ":")
				&& TableJobParameters.sourceWhole(step.getJobParameters())) {
			// the file lists a partition once it left the source; kept whole, none does before the cut-over
			return null;
		}
		TableJobParameters job = TableJobParameters.of(step.getJobParameters());
		synchronized (this) {
			if (step.getStepName().startsWith(PartitionPlanner.MOVE_WORKER_STEP + ":")) {
				this.inPlace.put(job.qualifiedTable(), job.table());
			}
			this.pending.computeIfAbsent(job.qualifiedTable(), (table) -> new LinkedHashMap<>())
				.put(context.getString(PartitionPlanner.PARTITION_ID),
						new PartitionProgress(context.getLong(PartitionPlanner.COPIED_ROWS), Instant.now().toString()));
			if (System.currentTimeMillis() - this.lastWrite >= Math.max(BATCH_MILLIS, WRITE_SHARE * this.lastWriteTook)) {
				flush(job.qualifiedTable());
			}
		}
		return null;
	}

	/** Writes the finished partitions of a table that are not in the file yet. */
	private synchronized void flush(String table) {
		Map<String, PartitionProgress> partitions = this.pending.remove(table);
		if (partitions == null || partitions.isEmpty()) {
			return;
		}
		String now = Instant.now().toString();
		String target = this.inPlace.get(table);
		update(table, (entry) -> (entry == null) ? null
				: entry.withPartitions(partitions, now).withTargetTable((target != null) ? target : entry.targetTable()));
	}

	@Override
	public void afterJob(JobExecution execution) {
		TableJobParameters job = TableJobParameters.of(execution.getJobParameters());
		flush(job.qualifiedTable());
		String target = PartitionPlanner.MOVE.equals(execution.getExecutionContext().getString(MigrationOutcome.CHOSEN, ""))
				? job.table() : null;
		synchronized (this) {
			this.inPlace.remove(job.qualifiedTable());
		}
		boolean already = MigrationOutcome.alreadyMigrated(execution);
		String status = (execution.getStatus() == BatchStatus.COMPLETED) ? "completed" : "failed";
		update(job.qualifiedTable(), (entry) -> (entry == null || already && entry.completedPartitions().isEmpty()) ? entry
				: entry.withStatus(status, Instant.now().toString())
					.withTargetTable((target != null) ? target : entry.targetTable()));
	}

	private synchronized void update(String table, UnaryOperator<TableProgress> change) {
		long started = System.currentTimeMillis();
		try {
			Path absolute = this.file.toAbsolutePath();
			Files.createDirectories(absolute.getParent());
			try (FileChannel channel = FileChannel.open(absolute.resolveSibling(absolute.getFileName() + ".lock"),
					StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
				ProgressFile progress = ProgressFile.read(this.file);
				TableProgress changed = change.apply(progress.table(table));
				if (changed != null) {
					progress.with(table, changed, Instant.now().toString()).write(this.file);
				}
				this.lastWrite = System.currentTimeMillis();
				this.lastWriteTook = this.lastWrite - started;
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Table {}: cannot update the progress file {}: {}", table, this.file, ex.getMessage());
		}
	}

}
