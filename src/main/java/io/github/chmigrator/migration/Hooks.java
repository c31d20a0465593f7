package io.github.chmigrator.migration;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;

import io.github.chmigrator.config.HookSettings;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.Host;
import io.github.chmigrator.core.MigratorException;

/**
 * gh-ost's hooks: every executable file of {@code --hooks-path} whose name starts with a hook's
 * name ({@code on-startup}, {@code on-startup-page-the-team}) runs at that milestone, in name order,
 * with the run's figures in {@code CH_MIGRATOR_*} variables and the run's environment without its
 * credentials (names holding PASSWORD: a hook's output goes to the log), in the hooks
 * directory, for at most {@code migration.hooks.timeout}; its output goes to the log. A failing
 * {@code on-startup} or {@code on-before-cut-over} (exit code not 0, or out of time) stops the run
 * before it changes anything further, the live table whole (exit 5); the others are logged.
 */
public class Hooks {

	public static final String ON_STARTUP = "on-startup";

	public static final String ON_VALIDATED = "on-validated";

	public static final String ON_BEFORE_CUT_OVER = "on-before-cut-over";

	public static final String ON_SUCCESS = "on-success";

	public static final String ON_FAILURE = "on-failure";

	public static final String ON_STATUS = "on-status";

	private static final Logger logger = LoggerFactory.getLogger(Hooks.class);

	private static final int OUTPUT_LINES = 20;

	/** The migrator's credentials ({@code CH_PASSWORD}, {@code SPRING_DATASOURCE_PASSWORD}, …): never a hook's. */
	private static final Pattern SECRET = Pattern.compile("(?i)PASSWORD");

	private final Path directory;

	private final Duration timeout;

	private final int statusInterval;

	private final ProgressTracker progress;

	/** @throws MigratorException (exit 2) when {@code --hooks-path} is not a directory */
	public Hooks(HookSettings settings, ProgressTracker progress) {
		this.progress = progress;
		this.directory = (settings.path() == null || settings.path().isBlank()) ? null : Path.of(settings.path());
		this.timeout = settings.timeout();
		this.statusInterval = settings.statusInterval();
		if (this.directory != null && !Files.isDirectory(this.directory)) {
			throw new MigratorException(ExitCodes.INVALID, "--hooks-path " + this.directory + " is not a directory");
		}
		if (this.statusInterval < 1) {
			throw new MigratorException(ExitCodes.INVALID,
					"--hooks-status-interval must be 1 or more seconds (got " + this.statusInterval + ")");
		}
	}

	/** Whether {@code --hooks-path} was given. */
	public boolean enabled() {
		return this.directory != null;
	}

	/** Seconds between two {@code on-status} calls. */
	public int statusInterval() {
		return this.statusInterval;
	}

	/**
	 * Runs a hook whose failure stops the run: {@code on-startup}, {@code on-before-cut-over}.
	 * @throws MigratorException (exit 5) when one of its files fails
	 */
	public void require(String hook, JobExecution execution, Map<String, String> extra) {
		String failure = run(hook, execution, extra);
		if (failure != null) {
			throw new MigratorException(ExitCodes.STOPPED, ("%s: hook %s; nothing was swapped and the live table is whole. "
					+ "Rerun to resume once the hook allows it")
				.formatted(TableJobParameters.of(execution.getJobParameters()).qualifiedTable(), failure));
		}
	}

	/**
	 * Runs every file of a hook.
	 * @return {@code null} when each exited 0 (or there is none), else what went wrong with the first that did not
	 */
	public String run(String hook, JobExecution execution, Map<String, String> extra) {
		if (this.directory == null) {
			return null;
		}
		Map<String, String> variables = variables(hook, execution);
		variables.putAll(extra);
		for (Path file : files(hook)) {
			String failure = runFile(file, variables);
			if (failure != null) {
				return file.getFileName() + " " + failure;
			}
		}
		return null;
	}

	private List<Path> files(String hook) {
		File[] files = this.directory.toFile()
			.listFiles((file) -> file.getName().startsWith(hook) && file.isFile() && file.canExecute());
		if (files == null) {
			return List.of();
		}
		return Arrays.stream(files).map(File::toPath).sorted().toList();
	}

	private String runFile(Path file, Map<String, String> variables) {
		Path output = null;
		try {
			output = Files.createTempFile("hook", ".log");
			ProcessBuilder builder = new ProcessBuilder(file.toAbsolutePath().toString()).directory(this.directory.toFile())
				.redirectErrorStream(true)
				.redirectOutput(output.toFile());
			// the hook inherits the run's environment but for the migrator's credentials: its output is logged
			builder.environment().keySet().removeIf((name) -> SECRET.matcher(name).find());
			builder.environment().putAll(variables);
			Process process = builder.start();
			boolean ended = process.waitFor(this.timeout.toMillis(), TimeUnit.MILLISECONDS);
			if (!ended) {
				process.descendants().forEach(ProcessHandle::destroyForcibly);
				process.destroyForcibly();
			}
			List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
			lines.stream().limit(OUTPUT_LINES).forEach((line) -> logger.info("hook {}: {}", file.getFileName(), line));
			if (!ended) {
				logger.warn("hook {} ran out of its {} and was killed", file.getFileName(), this.timeout);
				return "ran out of its " + this.timeout.toSeconds() + " s";
			}
			if (process.exitValue() != 0) {
				logger.warn("hook {} exited {}", file.getFileName(), process.exitValue());
				return "exited " + process.exitValue();
			}
			return null;
		}
		catch (IOException ex) {
			logger.warn("hook {} cannot run: {}", file.getFileName(), ex.getMessage());
			return "cannot run: " + ex.getMessage();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "interrupted";
		}
		finally {
			if (output != null) {
				output.toFile().delete();
			}
		}
	}

	/** What a hook is told about the run: gh-ost's variables, named for this tool. */
	private Map<String, String> variables(String hook, JobExecution execution) {
		TableJobParameters job = TableJobParameters.of(execution.getJobParameters());
		ProgressTracker.Snapshot now = this.progress.snapshot(job.qualifiedTable());
		Map<String, String> variables = new LinkedHashMap<>();
		variables.put("CH_MIGRATOR_HOOK", hook);
		variables.put("CH_MIGRATOR_DATABASE_NAME", job.database());
		variables.put("CH_MIGRATOR_TABLE_NAME", job.table());
		variables.put("CH_MIGRATOR_TARGET_POLICY", job.targetPolicy());
		variables.put("CH_MIGRATOR_CLICKHOUSE", job.clickhouse());
		variables.put("CH_MIGRATOR_JOB_INSTANCE_ID", String.valueOf(execution.getJobInstanceId()));
		variables.put("CH_MIGRATOR_JOB_EXECUTION_ID", String.valueOf(execution.getId()));
		variables.put("CH_MIGRATOR_STATUS", execution.getStatus().name());
		variables.put("CH_MIGRATOR_PHASE", now.phase());
		variables.put("CH_MIGRATOR_COPIED_ROWS", String.valueOf(now.rowsDone()));
		variables.put("CH_MIGRATOR_ESTIMATED_ROWS", String.valueOf(now.rowsTotal()));
		variables.put("CH_MIGRATOR_COPIED_BYTES", String.valueOf(now.bytesDone()));
		variables.put("CH_MIGRATOR_ESTIMATED_BYTES", String.valueOf(now.bytesTotal()));
		variables.put("CH_MIGRATOR_COPIED_PARTITIONS", String.valueOf(now.partitionsDone()));
		variables.put("CH_MIGRATOR_ESTIMATED_PARTITIONS", String.valueOf(now.partitionsTotal()));
		variables.put("CH_MIGRATOR_PROGRESS", String.valueOf(now.percent()));
		variables.put("CH_MIGRATOR_ETA_SECONDS", (now.etaSeconds() != null) ? String.valueOf(now.etaSeconds()) : "");
		variables.put("CH_MIGRATOR_THROTTLED", (now.throttled() != null) ? now.throttled() : "");
		variables.put("CH_MIGRATOR_CUT_OVER_POSTPONED", (now.postponed() != null) ? now.postponed() : "");
		variables.put("CH_MIGRATOR_EXECUTING_HOST", Host.name());
		return variables;
	}

}
