package io.github.chmigrator.job;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.beans.factory.DisposableBean;

import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.Host;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.migration.Hooks;
import io.github.chmigrator.migration.MergeControl;
import io.github.chmigrator.migration.MigrationOutcome;
import io.github.chmigrator.migration.OperatorFlags;
import io.github.chmigrator.migration.ProgressTracker;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.report.StatusFile;

/**
 * The run as the operator follows it: every {@value #WRITE_EVERY_SECONDS} s the status file of each
 * running job (phase, partitions, rows and bytes done and planned, rate, ETA, partitions in flight,
 * throttle and postponement), a log line at least every {@value #IN_FLIGHT_LOG_SECONDS} s while a
 * partition is in flight that long, and the {@code on-status} hook every
 * {@code --hooks-status-interval}. Also the hooks of the job's start ({@code on-startup}, whose
 * failure stops the run before its first step) and end ({@code on-success}, {@code on-failure}),
 * and merges started again on the table when its job ends without completing with the source kept
 * whole (a stop between two calls of the cut-over leaves them stopped otherwise).
 */
public class LiveStatus implements JobExecutionListener, DisposableBean {

	static final long WRITE_EVERY_SECONDS = 5;

	static final long IN_FLIGHT_LOG_SECONDS = 30;

	private static final Logger logger = LoggerFactory.getLogger(LiveStatus.class);

	private final ProgressTracker progress;

	private final Hooks hooks;

	private final OperatorFlags flags;

	private final MergeControl merges;

	private final TableOperations operations;

	private final Path directory;

	private final Map<Long, Running> running = new ConcurrentHashMap<>();

	private ScheduledExecutorService scheduler;

	public LiveStatus(ProgressTracker progress, Hooks hooks, OperatorFlags flags, MergeControl merges,
			TableOperations operations, Path directory) {
		this.progress = progress;
		this.hooks = hooks;
		this.flags = flags;
		this.merges = merges;
		this.operations = operations;
		this.directory = directory;
	}

	/** A job this process runs, and when it last logged and called {@code on-status}. */
	private static final class Running {

		private final JobExecution execution;

		private final TableJobParameters parameters;

		private final String table;

		private long lastInFlightLog = System.currentTimeMillis();

		private long lastStatusHook = System.currentTimeMillis();

		private volatile long rowsInFlight;

		Running(JobExecution execution) {
			this.execution = execution;
			this.parameters = TableJobParameters.of(execution.getJobParameters());
			this.table = this.parameters.qualifiedTable();
		}

	}

	@Override
	public void beforeJob(JobExecution execution) {
		Running job = new Running(execution);
		this.progress.forget(job.table);
		this.running.put(execution.getId(), job);
		start();
		write(job, null);
		this.hooks.require(Hooks.ON_STARTUP, execution, Map.of());
	}

	@Override
	public void afterJob(JobExecution execution) {
		Running job = this.running.remove(execution.getId());
		if (job == null) {
			return;
		}
		TableJobParameters table = job.parameters;
		// with the source kept whole a hold that spans calls (a partition from listing to checking, the
		// cut-over) is taken again by the rerun, which copies a partition again when a merge ran
		// meanwhile; the design's loop (--free-local-per-partition) keeps merges stopped on purpose
		// while a partition is copied but its parts not dropped yet, also across runs
		if (execution.getStatus() != BatchStatus.COMPLETED && TableJobParameters.sourceWhole(execution.getJobParameters())) {
			try {
				this.merges.releaseTable(table.database(), table.table());
			}
			catch (RuntimeException ex) {
				logger.warn("Table {}: cannot start merges again ({}): SYSTEM START MERGES {} by hand", job.table,
						ex.getMessage(), table.qualifiedTable());
			}
		}
		int exitCode = MigrationOutcome.exitCode(execution);
		write(job, exitCode);
		this.hooks.run((exitCode == 0) ? Hooks.ON_SUCCESS : Hooks.ON_FAILURE, execution,
				Map.of("CH_MIGRATOR_EXIT_CODE", String.valueOf(exitCode)));
		this.progress.forget(job.table);
	}

	private synchronized void start() {
		if (this.scheduler == null) {
			this.scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
				Thread thread = new Thread(task, "live-status");
				thread.setDaemon(true);
				return thread;
			});
			this.scheduler.scheduleWithFixedDelay(this::tick, WRITE_EVERY_SECONDS, WRITE_EVERY_SECONDS, TimeUnit.SECONDS);
		}
	}

	private void tick() {
		for (Running job : this.running.values()) {
			try {
				inFlight(job);
				write(job, null);
				statusHook(job);
			}
			catch (RuntimeException ex) {
				logger.debug("Table {}: live status not updated: {}", job.table, ex.getMessage());
			}
		}
	}

	/** A partition in flight for long: a line at least every {@value #IN_FLIGHT_LOG_SECONDS} s. */
	private void inFlight(Running job) {
		long now = System.currentTimeMillis();
		ProgressTracker.Snapshot snapshot = this.progress.snapshot(job.table);
		boolean slow = snapshot.inFlight().values().stream().anyMatch((seconds) -> seconds >= IN_FLIGHT_LOG_SECONDS);
		if (!slow) {
			job.rowsInFlight = 0;
			return;
		}
		if (now - job.lastInFlightLog < IN_FLIGHT_LOG_SECONDS * 1000) {
			return;
		}
		job.lastInFlightLog = now;
		job.rowsInFlight = this.operations.rowsBeingInserted(job.parameters.database(), job.parameters.workTable());
		String partitions = snapshot.inFlight()
			.entrySet()
			.stream()
			.map((entry) -> entry.getKey() + " for " + entry.getValue() + " s")
			.collect(Collectors.joining(", "));
		logger.info("Table {}: copying partition(s) {}{}; {}/{} partitions, {} of {} done, table ETA {}", job.table,
				partitions, (job.rowsInFlight > 0) ? ", " + Sizes.count(job.rowsInFlight) + " rows written so far" : "",
				snapshot.partitionsDone(), snapshot.partitionsTotal(), Sizes.bytes(snapshot.bytesDone()),
				Sizes.bytes(snapshot.bytesTotal()), (snapshot.etaSeconds() != null) ? snapshot.etaSeconds() + " s" : "unknown");
	}

	private void statusHook(Running job) {
		if (!this.hooks.enabled()
				|| System.currentTimeMillis() - job.lastStatusHook < this.hooks.statusInterval() * 1000L) {
			return;
		}
		job.lastStatusHook = System.currentTimeMillis();
		this.hooks.run(Hooks.ON_STATUS, job.execution, Map.of());
	}

	private void write(Running job, Integer exitCode) {
		JobExecution execution = job.execution;
		ProgressTracker.Snapshot now = this.progress.snapshot(job.table);
		String started = (execution.getStartTime() != null)
				? execution.getStartTime().atZone(ZoneId.systemDefault()).toInstant().toString()
				: Instant.now().toString();
		StatusFile status = new StatusFile(execution.getJobInstanceId(), execution.getId(), job.table,
				job.parameters.targetPolicy(), (exitCode == null) ? BatchStatus.STARTED.name() : execution.getStatus().name(),
				exitCode, now.phase(), started, Instant.now().atOffset(ZoneOffset.UTC).toString(),
				ProcessHandle.current().pid(), Host.name(), now.partitionsDone(), now.partitionsTotal(), now.rowsDone(),
				now.rowsTotal(), now.bytesDone(), now.bytesTotal(), now.percent(), Math.round(now.bytesPerSecond()),
				now.etaSeconds(), now.inFlight(), job.rowsInFlight, now.throttled(), now.postponed(),
				(this.flags.window() != null) ? this.flags.window() + " UTC" : null);
		try {
			status.write(this.directory);
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Table {}: cannot write the status file in {}: {}", job.table, this.directory, ex.getMessage());
		}
	}

	@Override
	public void destroy() {
		if (this.scheduler != null) {
			this.scheduler.shutdownNow();
		}
	}

}
