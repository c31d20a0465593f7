package io.github.chmigrator.run;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.job.MigrationJobConfiguration;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.report.StatusFile;

/**
 * Control of a run from another shell or host, through the JobRepository: {@code --stop ID} asks
 * the running execution of a job instance to stop at its next safe point (Spring Batch's stop: the
 * running process sees it when it records its next step call, and ends the execution STOPPED, the
 * live table whole; {@code --restart ID} resumes it), and {@code --status [ID] [--json]} prints
 * the live status of a job instance's run (the last one without an id) from its status file and
 * the JobRepository.
 */
public class JobControl {

	private static final Logger logger = LoggerFactory.getLogger(JobControl.class);

	/** How long {@code --stop} waits for the run to end before it says the stop is on its way. */
	static final Duration STOP_WAIT = Duration.ofSeconds(60);

	private final JobRepository jobRepository;

	private final JobOperator jobOperator;

	private final Path statusDirectory;

	public JobControl(JobRepository jobRepository, JobOperator jobOperator, Path statusDirectory) {
		this.jobRepository = jobRepository;
		this.jobOperator = jobOperator;
		this.statusDirectory = statusDirectory;
	}

	/**
	 * Asks the running execution of a job instance to stop and waits a while for it to end.
	 * @return the exit code: 0 once it stopped, or when it was not running
	 */
	public int stop(long instanceId) throws InterruptedException {
		JobExecution last = lastExecution(instanceId, "--stop");
		TableJobParameters table = TableJobParameters.of(last.getJobParameters());
		if (!last.isRunning()) {
			logger.info("Job instance {} ({}) is not running: its last execution {} ended {}", instanceId,
					table.qualifiedTable(), last.getId(), last.getStatus());
			return ExitCodes.OK;
		}
		try {
			this.jobOperator.stop(last);
		}
		catch (Exception ex) {
			throw new MigratorException(ExitCodes.FAILED, "--stop " + instanceId + ": " + ex.getMessage());
		}
		logger.info("Job instance {} ({}): stop requested for execution {}; the run stops after the partition phase "
				+ "in flight", instanceId, table.qualifiedTable(), last.getId());
		long deadline = System.nanoTime() + STOP_WAIT.toNanos();
		while (System.nanoTime() < deadline) {
			JobExecution now = this.jobRepository.getJobExecution(last.getId());
			if (now != null && !now.isRunning()) {
				logger.info("Job instance {} ({}): execution {} ended {}; --restart {} resumes it", instanceId,
						table.qualifiedTable(), last.getId(), now.getStatus(), instanceId);
				return ExitCodes.OK;
			}
			Thread.sleep(1000);
		}
		logger.info("Job instance {} ({}): execution {} is still finishing its partition phase after {} s; it stops "
				+ "on its own (a run killed meanwhile is recovered by the next one)", instanceId, table.qualifiedTable(),
				last.getId(), STOP_WAIT.toSeconds());
		return ExitCodes.OK;
	}

	/**
	 * Prints the live status of a job instance's last run ({@code last}: the newest job instance).
	 * @return the exit code: 0
	 */
	public int status(String which, boolean json, PrintStream out) {
		long instanceId = which.equals("last") ? newestInstance() : Long.parseLong(which);
		JobExecution last = lastExecution(instanceId, "--status");
		StatusFile file;
		try {
			file = StatusFile.read(this.statusDirectory, instanceId);
		}
		catch (IOException | RuntimeException ex) {
			throw new MigratorException(ExitCodes.FAILED, "--status: cannot read the status file of job instance "
					+ instanceId + " in " + this.statusDirectory + ": " + ex.getMessage());
		}
		StatusFile status = recorded(file, last);
		if (json) {
			out.println(status.json());
		}
		else {
			print(status, out);
		}
		return ExitCodes.OK;
	}

	/**
	 * The status file, with what the JobRepository says of the execution when they differ (the
	 * file of a run killed outright still says {@code STARTED}); the JobRepository's alone when
	 * there is no file (a run of another host, or before this version).
	 */
	private static StatusFile recorded(StatusFile file, JobExecution last) {
		TableJobParameters table = TableJobParameters.of(last.getJobParameters());
		String status = last.getStatus().name();
		if (file != null && file.jobExecution() == last.getId()) {
			return file.withStatus(status);
		}
		return new StatusFile(last.getJobInstanceId(), last.getId(), table.qualifiedTable(), table.targetPolicy(), status,
				null, null, String.valueOf(last.getStartTime()), null, 0, null, 0, 0, 0, 0, 0, 0, 0, 0, null, Map.of(), 0,
				null, null, null);
	}

	private static void print(StatusFile status, PrintStream out) {
		out.printf("job instance %d, execution %d: %s -> policy %s, %s%n", status.jobInstance(), status.jobExecution(),
				status.table(), status.targetPolicy(), status.status()
						+ ((status.exitCode() != null) ? " (exit code " + status.exitCode() + ")" : ""));
		if (status.updatedAt() == null) {
			out.println("no status file (started " + status.startedAt() + "); the JobRepository is all there is");
			return;
		}
		out.printf("phase %s; started %s, updated %s, pid %d on %s%n", status.phase(), status.startedAt(),
				status.updatedAt(), status.pid(), status.host());
		out.printf("partitions %d/%d, rows %s/%s, %s/%s (%.1f%%), %s/s, ETA %s%n", status.partitionsDone(),
				status.partitionsTotal(), Sizes.count(status.rowsDone()), Sizes.count(status.rowsTotal()),
				Sizes.bytes(status.bytesDone()), Sizes.bytes(status.bytesTotal()), status.percent(),
				Sizes.bytes(Math.round(status.bytesPerSecond())),
				(status.etaSeconds() != null) ? status.etaSeconds() + " s" : "unknown");
		if (!status.inFlight().isEmpty()) {
			out.println("in flight: " + status.inFlight()
				.entrySet()
				.stream()
				.map((entry) -> entry.getKey() + " for " + entry.getValue() + " s")
				.collect(Collectors.joining(", "))
					+ ((status.rowsInFlight() > 0) ? ", " + Sizes.count(status.rowsInFlight()) + " rows written so far" : ""));
		}
		out.println("throttled: " + ((status.throttled() != null) ? status.throttled() : "no"));
		out.println("cut-over postponed: " + ((status.cutOverPostponed() != null) ? status.cutOverPostponed() : "no")
				+ ((status.cutOverWindow() != null) ? "; window " + status.cutOverWindow() : ""));
	}

	private long newestInstance() {
		List<JobInstance> instances = this.jobRepository.getJobInstances(MigrationJobConfiguration.JOB_NAME, 0, 1);
		if (instances.isEmpty()) {
			throw new MigratorException(ExitCodes.INVALID, "--status: no migrations recorded in this JobRepository");
		}
		return instances.get(0).getInstanceId();
	}

	private JobExecution lastExecution(long instanceId, String flag) {
		JobInstance instance = this.jobRepository.getJobInstance(instanceId);
		if (instance == null || !instance.getJobName().equals(MigrationJobConfiguration.JOB_NAME)) {
			throw new MigratorException(ExitCodes.INVALID, flag + " " + instanceId + ": no such job instance");
		}
		JobExecution last = this.jobRepository.getLastJobExecution(instance);
		if (last == null) {
			throw new MigratorException(ExitCodes.INVALID, flag + " " + instanceId + ": the job instance has no execution");
		}
		return last;
	}

}
