package io.github.chmigrator.report;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import io.github.chmigrator.clickhouse.PartitionInfo;
import io.github.chmigrator.core.AtomicFiles;
import io.github.chmigrator.core.MigratorFailures;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.migration.MigrationOutcome;
import io.github.chmigrator.migration.RemovedPartitions;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.CopiedPartitions.CopiedPartition;
import io.github.chmigrator.partition.CopiedPartitions;
import io.github.chmigrator.partition.PartitionPlanner;
import io.github.chmigrator.partition.Plan;

/**
 * Writes the {@link TableReport} after every run of a table's job, whatever its outcome,
 * atomically (temporary file, then rename), and keeps the report's path and a one-line summary
 * in the job's ExecutionContext ({@value #REPORT_FILE}, {@value #SUMMARY}) for the console.
 */
public class ReportWriter implements JobExecutionListener {

	public static final String REPORT_FILE = "reportFile";

	public static final String SUMMARY = "summary";

	private static final Logger logger = LoggerFactory.getLogger(ReportWriter.class);

	public static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

	private final Path directory;

	private final CopiedPartitions copied;

	private final JsonMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

	private final Map<Long, TableReport> reports = new ConcurrentHashMap<>();

	public ReportWriter(Path directory, CopiedPartitions copied) {
		this.directory = directory;
		this.copied = copied;
	}

	@Override
	public void afterJob(JobExecution execution) {
		TableReport report = report(execution);
		this.reports.put(execution.getId(), report);
		execution.getExecutionContext().putString(SUMMARY, summary(report));
		try {
			Path file = this.directory.resolve("migration_%s.%s_%s_%d.json".formatted(report.database(), report.table(),
					FILE_TIME.format(Objects.requireNonNullElse(execution.getStartTime(), LocalDateTime.now())),
					execution.getId()));
			write(file, report);
			execution.getExecutionContext().putString(REPORT_FILE, file.toString());
		}
		catch (IOException | RuntimeException ex) {
			logger.error("Table {}.{}: cannot write the report to {}: {}", report.database(), report.table(),
					this.directory, ex.getMessage());
		}
	}

	/** The report of an execution this process ran, removed once taken. */
	public TableReport take(long jobExecutionId) {
		return this.reports.remove(jobExecutionId);
	}

	/** Writes any report as indented JSON, atomically. */
	public void write(Path file, Object report) throws IOException {
		AtomicFiles.write(file, this.json.writeValueAsString(report));
	}

	/** The report directory. */
	public Path directory() {
		return this.directory;
	}

	TableReport report(JobExecution execution) {
		TableJobParameters job = TableJobParameters.of(execution.getJobParameters());
		long runStart = startMillis(execution);
		Map<String, String> removed = RemovedPartitions.removed(execution.getExecutionContext());
		Partitions found = new Partitions();
		if (execution.getExecutionContext().containsKey(PartitionPlanner.PLAN)) {
			this.copied.forEach(execution, (partition) -> found.add(partition, runStart, removed));
			found.sort(Plan.fromContext(execution.getExecutionContext().get(PartitionPlanner.PLAN)));
		}
		List<TableReport.PartitionReport> partitions = found.partitions;
		LocalDateTime start = execution.getStartTime();
		LocalDateTime end = Objects.requireNonNullElse(execution.getEndTime(), LocalDateTime.now());
		double seconds = (start != null) ? Duration.between(start, end).toMillis() / 1000.0 : 0;
		List<String> errors = execution.getAllFailureExceptions()
			.stream()
			.map((failure) -> MigratorFailures.describe(List.of(failure)))
			.distinct()
			.toList();
		return new TableReport(TableReport.VERSION, job.database(), job.table(), job.targetPolicy(), job.clickhouse(),
				execution.getJobInstanceId(), execution.getId(),
				execution.getJobParameters().getString(TableJobParameters.STRATEGY), found.strategies, status(execution),
				iso(start), iso(end), seconds, partitions,
				new TableReport.Totals(partitions.size(), found.completed, found.rows, found.bytes,
						(seconds > 0) ? Math.round(found.copiedNow / seconds) : 0),
				lateRows(execution),
				swapContext(execution).getString(MigrationOutcome.KEPT_OLD_TABLE, null),
				execution.getExecutionContext().getString(MigrationOutcome.NEW_INSERTS, null),
				swapContext(execution).containsKey(MigrationOutcome.CUT_OVER_SECONDS)
						? swapContext(execution).getDouble(MigrationOutcome.CUT_OVER_SECONDS) : null,
				errors);
	}

	/** The report's partitions and totals, gathered one worker record at a time. */
	private static final class Partitions {

		private final List<TableReport.PartitionReport> partitions = new ArrayList<>();

		private final List<String> strategies = new ArrayList<>();

		private long rows;

		private long bytes;

		private long copiedNow;

		private int completed;

		void add(CopiedPartition partition, long runStart, Map<String, String> removed) {
			var context = partition.context();
			String strategy = context.getString(PartitionPlanner.STRATEGY, "");
			if (!strategy.isEmpty() && !this.strategies.contains(strategy)) {
				this.strategies.add(strategy);
			}
			boolean done = partition.done();
			this.completed += done ? 1 : 0;
			this.rows += done ? partition.copiedRows() : 0;
			this.bytes += partition.planned().bytes();
			this.copiedNow += (done && context.getLong(PartitionPlanner.COPY_STARTED_AT, 0) >= runStart)
					? partition.planned().bytes() : 0;
			String id = partition.planned().partitionId();
			this.partitions.add(new TableReport.PartitionReport(id, partition.planned().partition(),
					done ? partition.copiedRows() : partition.planned().rows(), partition.planned().bytes(),
					context.getDouble(PartitionPlanner.SECONDS, 0.0), strategy, context.getInt(PartitionPlanner.ATTEMPTS, 0),
					(partition.status() != null) ? partition.status().name() : "PENDING",
					removed.containsKey(id)
							? "removed from the source after it moved, so from the migrated table too: " + removed.get(id)
							: context.getString(PartitionPlanner.NOTE, "")));
		}

		/** In plan order, as the log announced them. */
		void sort(List<PartitionInfo> plan) {
			Map<String, Integer> order = new HashMap<>();
			for (int i = 0; i < plan.size(); i++) {
				order.put(plan.get(i).partitionId(), i);
			}
			this.partitions.sort(Comparator.comparingInt((partition) -> order.getOrDefault(partition.partitionId(), 0)));
		}

	}

	/** When the run began, in epoch milliseconds (0 when unknown). */
	private static long startMillis(JobExecution execution) {
		return (execution.getStartTime() != null)
				? execution.getStartTime().atZone(ZoneId.systemDefault()).toInstant().toEpochMilli() : 0;
	}

	private static String status(JobExecution execution) {
		if (MigrationOutcome.alreadyMigrated(execution)) {
			return "ALREADY_MIGRATED";
		}
		BatchStatus status = execution.getStatus();
		return (status == BatchStatus.STARTED || status == BatchStatus.STARTING)
				? (execution.getAllFailureExceptions().isEmpty() ? "COMPLETED" : "FAILED") : status.name();
	}

	private static long lateRows(JobExecution execution) {
		return swapContext(execution).getLong(MigrationOutcome.LATE_ROWS, 0);
	}

	/** The swap step's ExecutionContext in this execution, empty when it did not run. */
	private static ExecutionContext swapContext(JobExecution execution) {
		return execution.getStepExecutions()
			.stream()
			.filter((step) -> step.getStepName().equals(MigrationOutcome.SWAP_STEP))
			.map(StepExecution::getExecutionContext)
			.findFirst()
			.orElseGet(ExecutionContext::new);
	}

	private static String iso(LocalDateTime time) {
		return (time != null) ? time.atZone(ZoneId.systemDefault()).toOffsetDateTime().toString() : null;
	}

	static String summary(TableReport report) {
		return "%s %s.%s: %d/%d partitions, %s rows, %s to policy '%s' in %s%s".formatted(report.status(),
				report.database(), report.table(), report.totals().completedPartitions(), report.totals().partitions(),
				Sizes.count(report.totals().rows()), Sizes.bytes(report.totals().bytes()), report.targetPolicy(),
				Sizes.seconds(report.durationSeconds()),
				report.strategies().isEmpty() ? "" : " via " + String.join("+", report.strategies()));
	}

}
