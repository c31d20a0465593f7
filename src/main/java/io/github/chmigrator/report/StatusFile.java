package io.github.chmigrator.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import io.github.chmigrator.core.AtomicFiles;

/**
 * The live status of one job instance's run, {@code status-<job instance>.json} beside the reports:
 * written (atomically) every few seconds while the run goes on and once when it ends; read by
 * {@code --status}.
 *
 * @param jobInstance the JobInstance id
 * @param jobExecution the JobExecution id of the run
 * @param table {@code database.table}
 * @param targetPolicy the storage policy the table moves to
 * @param status the execution's status ({@code STARTED} while it runs, then how it ended)
 * @param exitCode the exit code once it ended, {@code null} while it runs
 * @param phase the step it is in
 * @param startedAt when the run began (ISO-8601, UTC)
 * @param updatedAt when this was written (ISO-8601, UTC)
 * @param pid the process running it
 * @param host the machine running it
 * @param partitionsDone partitions copied (or moved) by this run
 * @param partitionsTotal partitions planned
 * @param rowsDone rows copied by this run
 * @param rowsTotal rows planned
 * @param bytesDone bytes copied by this run
 * @param bytesTotal bytes planned
 * @param percent bytes done of the planned bytes
 * @param bytesPerSecond this run's rate so far
 * @param etaSeconds the copy's remaining time at that rate, {@code null} when unknown
 * @param inFlight partitions being copied now and for how many seconds
 * @param rowsInFlight rows the running {@code INSERT … SELECT}s wrote so far (the {@code insert} strategy)
 * @param throttled why the run copies nothing now, {@code null} when it copies
 * @param cutOverPostponed why the cut-over waits, {@code null} when it does not
 * @param cutOverWindow {@code --cut-over-window}, {@code null} without one
 */
public record StatusFile(long jobInstance, long jobExecution, String table, String targetPolicy, String status,
		Integer exitCode, String phase, String startedAt, String updatedAt, long pid, String host, int partitionsDone,
		int partitionsTotal, long rowsDone, long rowsTotal, long bytesDone, long bytesTotal, double percent,
		double bytesPerSecond, Long etaSeconds, Map<String, Long> inFlight, long rowsInFlight, String throttled,
		String cutOverPostponed, String cutOverWindow) {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final JsonMapper INDENTED = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

	/** Where the status of a job instance is written. */
	public static Path path(Path directory, long jobInstance) {
		return directory.resolve("status-" + jobInstance + ".json");
	}

	public void write(Path directory) throws IOException {
		AtomicFiles.write(path(directory, this.jobInstance), INDENTED.writeValueAsString(this));
	}

	/** The status last written for a job instance, {@code null} when none was. */
	public static StatusFile read(Path directory, long jobInstance) throws IOException {
		Path file = path(directory, jobInstance);
		return Files.exists(file) ? JSON.readValue(Files.readString(file), StatusFile.class) : null;
	}

	/** The same status with the execution's status as another record (the JobRepository) has it. */
	public StatusFile withStatus(String status) {
		return new StatusFile(this.jobInstance, this.jobExecution, this.table, this.targetPolicy, status, this.exitCode,
				this.phase, this.startedAt, this.updatedAt, this.pid, this.host, this.partitionsDone, this.partitionsTotal,
				this.rowsDone, this.rowsTotal, this.bytesDone, this.bytesTotal, this.percent, this.bytesPerSecond,
				this.etaSeconds, this.inFlight, this.rowsInFlight, this.throttled, this.cutOverPostponed, this.cutOverWindow);
	}

	/** The same status as JSON on one line. */
	public String json() {
		return JSON.writeValueAsString(this);
	}

}
