package io.github.chmigrator.metrics;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.exporter.pushgateway.Format;
import io.prometheus.metrics.exporter.pushgateway.PushGateway;
import io.prometheus.metrics.exporter.pushgateway.Scheme;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.core.AtomicFiles;
import io.github.chmigrator.run.RunListener;
import io.github.chmigrator.run.RunSummary;

/**
 * The metrics of every run (design §10.1), published for Prometheus.
 * <p>
 * After each run, single table or whole database, the ten metrics {@code migration_start_time},
 * {@code migration_end_time} (unix seconds), {@code migration_duration_seconds},
 * {@code total_tables}, {@code completed_tables}, {@code failed_tables}, {@code skipped_tables},
 * {@code total_partitions}, {@code completed_partitions} (gauges) and
 * {@code migration_errors_total} (counter), each labelled {@code database}, {@code mode} and
 * {@code clickhouse} ({@code host:port}), are recorded in a registry of that run alone and
 * <ul>
 * <li>written in the Prometheus text format to {@code <report.path>/clickhouse_migrator_<database>.prom}
 * for the node_exporter textfile collector: a temporary file in the same directory, then an atomic
 * move, so the collector never reads half a file;</li>
 * <li>pushed, when {@code metrics.pushgateway.url} is set, to the Pushgateway with job
 * {@value #JOB} and grouping key {@code database} (a {@code PUT}: the group holds the last run).</li>
 * </ul>
 * On a node of a cluster command the {@code clickhouse} label names the node, and the textfile
 * and the Pushgateway group are the node's own ({@code _<host>_<port>} in the file name, grouping
 * key {@code node} too).
 * <ul>
 * </ul>
 * Each run replaces what the previous run of the same database published, so
 * {@code migration_errors_total} counts the errors of the last run, not of all runs: it starts at
 * 0 in every run. Publishing never fails the run: a file that cannot be written or a push that fails
 * logs one WARN line naming the database.
 */
public class MigrationMetrics implements RunListener {

	/** The Pushgateway job label. */
	public static final String JOB = "clickhouse_migrator";

	private static final Logger logger = LoggerFactory.getLogger(MigrationMetrics.class);

	/** Characters kept in the textfile's name; others become {@code _}. */
	private static final Pattern NOT_IN_FILE_NAME = Pattern.compile("[^A-Za-z0-9_.-]");

	private final Path directory;

	private final MetricsSettings.Pushgateway pushgateway;

	private final String node;

	/**
	 * @param directory where the textfile goes (the report directory), created when missing
	 * @param pushgateway where to push; nothing is pushed when its URL is {@code null}
	 * @param node the node ({@code host:port}) of a cluster command's run, {@code null} otherwise: its
	 * textfile and Pushgateway group are the node's, so nodes sharing a report directory or a
	 * Pushgateway do not replace each other's metrics
	 */
	public MigrationMetrics(Path directory, MetricsSettings.Pushgateway pushgateway, String node) {
		this.directory = directory;
		this.pushgateway = pushgateway;
		this.node = (node == null || node.isBlank()) ? null : node;
	}

	@Override
	public void afterRun(RunSummary run) {
		PrometheusMeterRegistry registry = record(run);
		try {
			writeTextfile(run, registry);
			push(run, registry);
		}
		finally {
			registry.close();
		}
	}

	/**
	 * The textfile of a database's runs: {@code clickhouse_migrator_<database>.prom}, or
	 * {@code clickhouse_migrator_<database>_<host>_<port>.prom} on a node of a cluster command.
	 */
	public Path textfile(String database) {
		String name = Objects.toString(database, "") + ((this.node != null) ? "_" + this.node : "");
		return this.directory.resolve("clickhouse_migrator_" + NOT_IN_FILE_NAME.matcher(name).replaceAll("_") + ".prom");
	}

	/** A registry holding the ten metrics of one run and nothing else. */
	static PrometheusMeterRegistry record(RunSummary run) {
		PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
		Tags tags = Tags.of("database", Objects.toString(run.database(), ""), "mode", Objects.toString(run.mode(), ""),
				"clickhouse", Objects.toString(run.clickhouse(), ""));
		gauge(registry, tags, "migration_start_time", "When the run started, unix seconds", epochSeconds(run.start()));
		gauge(registry, tags, "migration_end_time", "When the run ended, unix seconds", epochSeconds(run.end()));
		gauge(registry, tags, "migration_duration_seconds", "How long the run took", run.durationSeconds());
		gauge(registry, tags, "total_tables", "Tables the run considered, skipped ones included", run.total());
		gauge(registry, tags, "completed_tables", "Tables migrated or found already migrated", run.completed());
		gauge(registry, tags, "failed_tables", "Tables whose migration failed", run.failed());
		gauge(registry, tags, "skipped_tables", "Tables left alone (views, other engines, already on the policy)",
				run.skipped());
		gauge(registry, tags, "total_partitions", "Partitions planned by the run's jobs", run.partitions());
		gauge(registry, tags, "completed_partitions", "Partitions copied and verified", run.completedPartitions());
		// Micrometer exposes a counter named migration_errors as migration_errors_total
		Counter.builder("migration_errors")
			.description("Errors of the run (each run publishes its own count, starting at 0)")
			.tags(tags)
			.register(registry)
			.increment(run.errors());
		return registry;
	}

	/** A gauge without base unit: Micrometer then exposes the name unchanged. */
	private static void gauge(MeterRegistry registry, Tags tags, String name, String description, double value) {
		Gauge.builder(name, () -> value).description(description).tags(tags).strongReference(true).register(registry);
	}

	private static double epochSeconds(Instant instant) {
		return instant.toEpochMilli() / 1000.0;
	}

	private void writeTextfile(RunSummary run, PrometheusMeterRegistry registry) {
		Path file = textfile(run.database());
		try {
			AtomicFiles.write(file, registry.scrape());
			logger.debug("Database {}: metrics written to {}", run.database(), file);
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Database {}: cannot write the metrics file {}: {}", run.database(), file, ex.getMessage());
		}
	}

	private void push(RunSummary run, PrometheusMeterRegistry registry) {
		if (this.pushgateway == null || !this.pushgateway.enabled()) {
			return;
		}
		URI url = this.pushgateway.url();
		String where = url.getScheme() + "://" + address(url);
		try {
			pushGateway(url, run, registry).push();
			logger.debug("Database {}: metrics pushed to the Pushgateway at {}", run.database(), where);
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Database {}: cannot push the metrics to the Pushgateway at {}: {}", run.database(), where,
					ex.getMessage());
		}
	}

	private PushGateway pushGateway(URI url, RunSummary run, PrometheusMeterRegistry registry) {
		PushGateway.Builder builder = PushGateway.builder()
			.scheme(Scheme.valueOf(url.getScheme().toUpperCase(Locale.ROOT)))
			.address(address(url))
			.job(JOB)
			.groupingKey("database", Objects.toString(run.database(), ""));
		if (this.node != null) {
			builder.groupingKey("node", this.node);
		}
		builder
			.registry(registry.getPrometheusRegistry())
			.format(Format.PROMETHEUS_TEXT)
			.connectionTimeout(this.pushgateway.timeout())
			.readTimeout(this.pushgateway.timeout());
		if (url.getUserInfo() != null) {
			String[] credentials = url.getUserInfo().split(":", 2);
			builder.basicAuth(credentials[0], (credentials.length > 1) ? credentials[1] : "");
		}
		return builder.build();
	}

	/** {@code host[:port][/prefix]}: the URL without scheme, credentials or trailing slash. */
	private static String address(URI url) {
		String port = (url.getPort() != -1) ? ":" + url.getPort() : "";
		String path = Objects.toString(url.getRawPath(), "").replaceAll("/+$", "");
		return url.getHost() + port + path;
	}

}
