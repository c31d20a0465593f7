package io.github.chmigrator.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.yaml.snakeyaml.Yaml;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.report.TableReport;
import io.github.chmigrator.run.RunSummary;
import io.github.chmigrator.run.TableOutcome;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

/**
 * The run metrics (design §10.1): the ten names, types, labels and values in the textfile, its
 * atomic rewrite per run, the push to a Pushgateway (a fake one on a local port), a push or write
 * failure that only warns, and the alert rules of §10.2 in {@code job-configs/prometheus-alerts.yml}.
 */
@ExtendWith(OutputCaptureExtension.class)
class MigrationMetricsTests {

	static final Map<String, String> TYPES = Map.of("migration_start_time", "gauge", "migration_end_time", "gauge",
			"migration_duration_seconds", "gauge", "total_tables", "gauge", "completed_tables", "gauge", "failed_tables",
			"gauge", "skipped_tables", "gauge", "total_partitions", "gauge", "completed_partitions", "gauge",
			"migration_errors_total", "counter");

	private static final Instant START = Instant.parse("2026-01-02T03:04:05.250Z");

	private static final Duration NO_WAIT = Duration.ofSeconds(2);

	@TempDir
	Path reports;

	private final List<Request> requests = new CopyOnWriteArrayList<>();

	private HttpServer pushgateway;

	@AfterEach
	void stopPushgateway() {
		if (this.pushgateway != null) {
			this.pushgateway.stop(0);
		}
	}

	@Test
	void writesTheTenMetricsOfARunToTheTextfile() throws Exception {
		MigrationMetrics metrics = new MigrationMetrics(this.reports, new MetricsSettings.Pushgateway(null, NO_WAIT), null);

		metrics.afterRun(run("demo", 3));

		Exposition exposition = Exposition.parse(Files.readString(this.reports.resolve("clickhouse_migrator_demo.prom")));
		assertThat(exposition.types()).isEqualTo(TYPES);
		assertThat(exposition.names()).isEqualTo(TYPES.keySet());
		assertThat(exposition.samples()).hasSize(10)
			.allSatisfy((sample) -> assertThat(sample.labels()).containsOnly(entry("database", "demo"),
					entry("mode", "full"), entry("clickhouse", "ch1:8123")));
		assertThat(exposition.value("migration_start_time")).isEqualTo(1767323045.25);
		assertThat(exposition.value("migration_end_time")).isEqualTo(1767323135.75);
		assertThat(exposition.value("migration_duration_seconds")).isEqualTo(90.5);
		assertThat(exposition.value("total_tables")).isEqualTo(5);
		assertThat(exposition.value("completed_tables")).isEqualTo(2);
		assertThat(exposition.value("failed_tables")).isEqualTo(2);
		assertThat(exposition.value("skipped_tables")).isEqualTo(1);
		assertThat(exposition.value("total_partitions")).isEqualTo(7);
		assertThat(exposition.value("completed_partitions")).isEqualTo(5);
		assertThat(exposition.value("migration_errors_total")).isEqualTo(3);
	}

	@Test
	void eachRunReplacesTheTextfileOfItsDatabaseAtomically() throws Exception {
		MigrationMetrics metrics = new MigrationMetrics(this.reports, new MetricsSettings.Pushgateway(null, NO_WAIT), null);

		metrics.afterRun(run("demo", 3));
		metrics.afterRun(run("demo", 1));
		metrics.afterRun(run("other db", 1));

		assertThat(fileNames()).containsExactly("clickhouse_migrator_demo.prom", "clickhouse_migrator_other_db.prom");
		Exposition demo = Exposition.parse(Files.readString(this.reports.resolve("clickhouse_migrator_demo.prom")));
		assertThat(demo.value("migration_errors_total")).as("errors of the last run, not a sum").isEqualTo(1);
		Exposition other = Exposition.parse(Files.readString(this.reports.resolve("clickhouse_migrator_other_db.prom")));
		assertThat(other.samples()).allSatisfy((sample) -> assertThat(sample.labels()).containsEntry("database", "other db"));
	}

	@Test
	void aNodeOfAClusterCommandHasItsOwnTextfileAndPushgatewayGroup() throws Exception {
		URI url = startPushgateway(200);
		MigrationMetrics metrics = new MigrationMetrics(this.reports, new MetricsSettings.Pushgateway(url, NO_WAIT),
				"127.0.0.2:8123");

		metrics.afterRun(run("demo", 3));

		assertThat(this.requests).singleElement()
			.satisfies((request) -> assertThat(request.path())
				.isEqualTo("/metrics/job/clickhouse_migrator/database/demo/node/127.0.0.2%3A8123"));
		assertThat(this.reports.resolve("clickhouse_migrator_demo_127.0.0.2_8123.prom")).exists();
		assertThat(this.reports.resolve("clickhouse_migrator_demo.prom")).doesNotExist();
	}

	@Test
	void pushesTheMetricsToThePushgateway() throws Exception {
		URI url = startPushgateway(200);
		MigrationMetrics metrics = new MigrationMetrics(this.reports, new MetricsSettings.Pushgateway(url, NO_WAIT), null);

		metrics.afterRun(run("demo", 3));

		assertThat(this.requests).hasSize(1);
		Request request = this.requests.get(0);
		assertThat(request.method()).isEqualTo("PUT");
		assertThat(request.path()).isEqualTo("/metrics/job/clickhouse_migrator/database/demo");
		assertThat(request.contentType()).startsWith("text/plain");
		assertThat(request.authorization()).isNull();
		Exposition pushed = Exposition.parse(request.body());
		assertThat(pushed.types()).isEqualTo(TYPES);
		assertThat(pushed.value("failed_tables")).isEqualTo(2);
		assertThat(this.reports.resolve("clickhouse_migrator_demo.prom")).exists();
	}

	@Test
	void credentialsInThePushgatewayUrlAreSentAsBasicAuth() throws Exception {
		URI url = startPushgateway(200);
		URI withCredentials = URI.create("http://ops:s3cret@" + url.getAuthority());
		MigrationMetrics metrics = new MigrationMetrics(this.reports, new MetricsSettings.Pushgateway(withCredentials, NO_WAIT), null);

		metrics.afterRun(run("demo", 1));

		assertThat(this.requests).singleElement().satisfies((request) -> {
			assertThat(request.authorization()).isEqualTo("Basic b3BzOnMzY3JldA==");
			assertThat(request.path()).isEqualTo("/metrics/job/clickhouse_migrator/database/demo");
		});
	}

	@Test
	void aDeadPushgatewayOnlyWarnsWithoutTheCredentials(CapturedOutput output) throws Exception {
		URI dead = URI.create("http://ops:s3cret@127.0.0.1:" + freePort());
		MigrationMetrics metrics = new MigrationMetrics(this.reports, new MetricsSettings.Pushgateway(dead, NO_WAIT), null);

		assertThatNoException().isThrownBy(() -> metrics.afterRun(run("demo", 3)));

		assertThat(output.getAll().lines().filter((line) -> line.contains("WARN"))).singleElement()
			.asString()
			.contains("Database demo: cannot push the metrics to the Pushgateway at http://127.0.0.1:");
		assertThat(output.getAll()).doesNotContain("s3cret");
		assertThat(this.reports.resolve("clickhouse_migrator_demo.prom")).exists();
	}

	@Test
	void aPushgatewayThatRefusesThePushOnlyWarns(CapturedOutput output) throws Exception {
		URI url = startPushgateway(400);
		MigrationMetrics metrics = new MigrationMetrics(this.reports, new MetricsSettings.Pushgateway(url, NO_WAIT), null);

		assertThatNoException().isThrownBy(() -> metrics.afterRun(run("demo", 3)));

		assertThat(this.requests).hasSize(1);
		assertThat(output).contains("Database demo: cannot push the metrics to the Pushgateway at " + url);
	}

	@Test
	void aTextfileThatCannotBeWrittenOnlyWarns(CapturedOutput output) throws Exception {
		Path notADirectory = Files.writeString(this.reports.resolve("taken"), "a file");
		MigrationMetrics metrics = new MigrationMetrics(notADirectory, new MetricsSettings.Pushgateway(null, NO_WAIT), null);

		assertThatNoException().isThrownBy(() -> metrics.afterRun(run("demo", 3)));

		assertThat(output).contains("Database demo: cannot write the metrics file " + notADirectory);
	}

	@Test
	void aPushgatewayUrlThatIsNotHttpIsInvalidAndNotRepeated() {
		assertThatThrownBy(() -> new MetricsSettings.Pushgateway(URI.create("ftp://ops:s3cret@host:9091"), NO_WAIT))
			.isInstanceOfSatisfying(MigratorException.class,
					(ex) -> assertThat(ex.exitCode()).isEqualTo(ExitCodes.INVALID))
			.hasMessageContaining("metrics.pushgateway.url")
			.hasMessageNotContaining("s3cret");
		assertThatThrownBy(() -> new MetricsSettings.Pushgateway(URI.create("pushgateway:9091"), NO_WAIT))
			.isInstanceOf(MigratorException.class);
	}

	@Test
	@SuppressWarnings("unchecked")
	void alertRulesDeclareTheThreeAlertsOfTheDesign() throws Exception {
		Map<String, Object> file = new Yaml().load(Files.readString(Path.of("job-configs/prometheus-alerts.yml")));

		List<Map<String, Object>> groups = (List<Map<String, Object>>) file.get("groups");
		List<Map<String, Object>> rules = groups.stream()
			.flatMap((group) -> ((List<Map<String, Object>>) group.get("rules")).stream())
			.toList();
		Map<String, String> expressions = rules.stream()
			.collect(Collectors.toMap((rule) -> (String) rule.get("alert"), (rule) -> (String) rule.get("expr")));
		assertThat(expressions).containsOnly(entry("MigrationFailed", "failed_tables > 0"),
				entry("MigrationTimeout", "migration_duration_seconds > 3600"),
				entry("HighErrorRate", "migration_errors_total > 10"));
		Map<String, String> severities = rules.stream()
			.collect(Collectors.toMap((rule) -> (String) rule.get("alert"),
					(rule) -> ((Map<String, String>) rule.get("labels")).get("severity")));
		assertThat(severities).containsOnly(entry("MigrationFailed", "critical"), entry("MigrationTimeout", "warning"),
				entry("HighErrorRate", "warning"));
		assertThat(rules).allSatisfy((rule) -> assertThat((Map<String, String>) rule.get("annotations"))
			.hasEntrySatisfying("summary", (summary) -> assertThat(summary).contains("{{ $labels.database }}"))
			.hasEntrySatisfying("description", (description) -> assertThat(description).contains("{{ $labels.database }}")));
	}

	/**
	 * A run of five tables: one completed (4 of 4 partitions), one already migrated, one failed
	 * with a report (1 of 3 partitions, two errors), one locked (no report: one error) and one
	 * skipped, 90.5 s long, with {@code errors} errors in all (at least 1: the locked table's).
	 */
	static RunSummary run(String database, int errors) {
		List<String> errorLines = Stream.generate(() -> "copy failed").limit(errors - 1).toList();
		return new RunSummary("full", database, "s3", "ch1:8123", START, START.plusMillis(90_500),
				List.of(new TableOutcome(database, "events", "COMPLETED", 0, "ok", report(database, "events", 4, 4, List.of()), "r1.json"),
						new TableOutcome(database, "archive", "ALREADY_MIGRATED", 0, "already", null, null),
						new TableOutcome(database, "broken", "FAILED", ExitCodes.FAILED, "failed",
								report(database, "broken", 3, 1, errorLines), "r2.json"),
						new TableOutcome(database, "busy", "LOCKED", ExitCodes.LOCKED, "locked", null, null),
						TableOutcome.skipped(database, "journal", "engine Log")));
	}

	private static TableReport report(String database, String table, int partitions, int completed, List<String> errors) {
		return new TableReport(TableReport.VERSION, database, table, "s3", "ch1:8123", 1, 1, "auto", List.of("attach"),
				"COMPLETED", START.toString(), START.toString(), 1.0, List.of(),
				new TableReport.Totals(partitions, completed, 100, 1000, 0), 0, null, null, null, errors);
	}

	private List<String> fileNames() throws IOException {
		try (Stream<Path> files = Files.list(this.reports)) {
			return files.map((file) -> file.getFileName().toString()).sorted().toList();
		}
	}

	/** Starts a fake Pushgateway answering every request with {@code status}; returns its URL. */
	private URI startPushgateway(int status) throws IOException {
		this.pushgateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.pushgateway.createContext("/", (exchange) -> {
			this.requests.add(Request.of(exchange));
			exchange.sendResponseHeaders(status, -1);
			exchange.close();
		});
		this.pushgateway.start();
		return URI.create("http://127.0.0.1:" + this.pushgateway.getAddress().getPort());
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	/** What the fake Pushgateway received. */
	record Request(String method, String path, String contentType, String authorization, String body) {

		static Request of(HttpExchange exchange) throws IOException {
			try (InputStream body = exchange.getRequestBody()) {
				return new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
						exchange.getRequestHeaders().getFirst("Content-Type"),
						exchange.getRequestHeaders().getFirst("Authorization"),
						new String(body.readAllBytes(), StandardCharsets.UTF_8));
			}
		}

	}

	/** One sample line: {@code name{label="value",…} value}. */
	record Sample(String name, Map<String, String> labels, double value) {

	}

	/**
	 * The Prometheus text exposition format (0.0.4), strictly enough for these tests:
	 * {@code # HELP name text}, {@code # TYPE name type} (once per name, before its samples), and
	 * sample lines whose name has a TYPE; anything else is rejected.
	 *
	 * @param types the TYPE of each metric name
	 * @param samples the samples in file order
	 */
	record Exposition(Map<String, String> types, List<Sample> samples) {

		private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)");

		private static final Pattern SAMPLE = Pattern
			.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?");

		private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"(,|$)");

		private static final Set<String> KNOWN_TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

		static Exposition parse(String text) {
			Map<String, String> types = new LinkedHashMap<>();
			List<Sample> samples = new ArrayList<>();
			for (String line : text.split("\n")) {
				if (line.isBlank()) {
					continue;
				}
				if (line.startsWith("#")) {
					comment(line, types);
				}
				else {
					samples.add(sample(line, types));
				}
			}
			return new Exposition(Map.copyOf(types), List.copyOf(samples));
		}

		/** The names that have samples. */
		Set<String> names() {
			return this.samples.stream().map(Sample::name).collect(Collectors.toCollection(TreeSet::new));
		}

		/** The value of the only sample of a name. */
		double value(String name) {
			List<Sample> matching = this.samples.stream().filter((sample) -> sample.name().equals(name)).toList();
			assertThat(matching).as("samples of " + name).hasSize(1);
			return matching.get(0).value();
		}

		private static void comment(String line, Map<String, String> types) {
			Matcher comment = COMMENT.matcher(line);
			require(comment.matches(), line);
			if (comment.group(1).equals("TYPE")) {
				require(KNOWN_TYPES.contains(comment.group(3)), line);
				require(types.put(comment.group(2), comment.group(3)) == null, line);
			}
		}

		private static Sample sample(String line, Map<String, String> types) {
			Matcher sample = SAMPLE.matcher(line);
			require(sample.matches(), line);
			require(types.containsKey(sample.group(1)), "no TYPE before " + line);
			return new Sample(sample.group(1), labels(sample.group(2), line), number(sample.group(3), line));
		}

		private static Map<String, String> labels(String body, String line) {
			Map<String, String> labels = new LinkedHashMap<>();
			if (body == null) {
				return labels;
			}
			Matcher label = LABEL.matcher(body);
			int end = 0;
			while (end < body.length()) {
				require(label.find(end) && label.start() == end, line);
				require(labels.put(label.group(1), unescape(label.group(2))) == null, line);
				end = label.end();
			}
			return labels;
		}

		private static String unescape(String value) {
			return value.replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\");
		}

		private static double number(String value, String line) {
			return switch (value) {
				case "+Inf" -> Double.POSITIVE_INFINITY;
				case "-Inf" -> Double.NEGATIVE_INFINITY;
				case "NaN" -> Double.NaN;
				default -> {
					try {
						yield Double.parseDouble(value);
					}
					catch (NumberFormatException ex) {
						throw new IllegalArgumentException("not a number in: " + line, ex);
					}
				}
			};
		}

		private static void require(boolean condition, String line) {
			if (!condition) {
				throw new IllegalArgumentException("not Prometheus text format: " + line);
			}
		}

	}

}
