package io.github.chmigrator.run;

import java.io.IOException;
import java.nio.file.Path;
import java.time.ZoneId;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.report.ReportWriter;
import io.github.chmigrator.report.RunReport;

/** Writes the {@link RunReport} of a {@code --mode full} run next to the table reports. */
public class RunReports {

	private static final Logger logger = LoggerFactory.getLogger(RunReports.class);

	private final ReportWriter writer;

	public RunReports(ReportWriter writer) {
		this.writer = writer;
	}

	/** Writes the report; returns its path, or {@code null} when it could not be written. */
	public Path write(RunSummary run) {
		Path file = this.writer.directory()
			.resolve("migration_%s_%s_%s.json".formatted(run.database(), run.mode(),
					ReportWriter.FILE_TIME.format(run.start().atZone(ZoneId.systemDefault()))));
		try {
			this.writer.write(file, of(run));
			return file;
		}
		catch (IOException | RuntimeException ex) {
			logger.error("Database {}: cannot write the run report {}: {}", run.database(), file, ex.getMessage());
			return null;
		}
	}

	static RunReport of(RunSummary run) {
		return new RunReport(RunReport.VERSION, run.mode(), run.database(), run.targetPolicy(), run.clickhouse(),
				(run.failed() == 0) ? "COMPLETED" : "FAILED", run.start().toString(), run.end().toString(),
				run.durationSeconds(),
				new RunReport.Totals(run.total(), run.completed(), run.failed(), run.skipped(), run.partitions(),
						run.completedPartitions(), run.rows(), run.bytes()),
				run.tables()
					.stream()
					.map((table) -> new RunReport.Table(table.table(), table.status(), table.message(), table.reportFile(),
							table.partitions(), table.rows(), table.bytes()))
					.toList());
	}

}
