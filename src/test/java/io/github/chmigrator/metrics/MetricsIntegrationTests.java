package io.github.chmigrator.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.metrics.MigrationMetricsTests.Exposition;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/**
 * The metrics of a real run through the command line: a single-table migration writes
 * {@code reports/clickhouse_migrator_<db>.prom} with the ten metrics of design §10.1 and pushes
 * them to the Pushgateway named by {@code --metrics.pushgateway.url}; a URL that is not HTTP stops
 * the command before it starts.
 */
@ExtendWith(OutputCaptureExtension.class)
class MetricsIntegrationTests {

	private static TestDatabase db;

	@TempDir
	Path workDir;

	private final List<String> pushes = new CopyOnWriteArrayList<>();

	private HttpServer pushgateway;

	@BeforeAll
	static void createTable() {
		db = new TestDatabase(ClickHouseStack.get(), "it_metrics");
		db.execute("CREATE TABLE {db}.events (day Date, id UInt64) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY id",
				"INSERT INTO {db}.events SELECT toDate('2024-01-01') + number % 90, number FROM numbers(900)");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@AfterEach
	void stopPushgateway() {
		if (this.pushgateway != null) {
			this.pushgateway.stop(0);
		}
	}

	@Test
	void aSingleTableRunWritesAndPushesTheTenMetrics() throws Exception {
		ClickHouseStack stack = ClickHouseStack.get();
		Migrator migrator = new Migrator(stack, this.workDir);

		int exit = migrator.run("--mode", "single", "--db", db.name(), "--table", "events", "--s3-policy", "s3",
				"--metrics.pushgateway.url=" + startPushgateway());

		assertThat(exit).isEqualTo(ExitCodes.OK);
		Exposition metrics = Exposition
			.parse(Files.readString(this.workDir.resolve("reports").resolve("clickhouse_migrator_it_metrics.prom")));
		assertThat(metrics.types()).isEqualTo(MigrationMetricsTests.TYPES);
		assertThat(metrics.samples()).hasSize(10)
			.allSatisfy((sample) -> assertThat(sample.labels()).containsOnly(entry("database", "it_metrics"),
					entry("mode", "single"), entry("clickhouse", stack.host() + ":" + stack.port())));
		assertThat(metrics.value("total_tables")).isEqualTo(1);
		assertThat(metrics.value("completed_tables")).isEqualTo(1);
		assertThat(metrics.value("failed_tables")).isZero();
		assertThat(metrics.value("skipped_tables")).isZero();
		assertThat(metrics.value("total_partitions")).isEqualTo(3);
		assertThat(metrics.value("completed_partitions")).isEqualTo(3);
		assertThat(metrics.value("migration_errors_total")).isZero();
		assertThat(metrics.value("migration_end_time")).isGreaterThanOrEqualTo(metrics.value("migration_start_time"));
		assertThat(this.pushes).singleElement()
			.isEqualTo("PUT /metrics/job/clickhouse_migrator/database/it_metrics: 10 samples");
	}

	@Test
	void aPushgatewayUrlThatIsNotHttpStopsTheCommand(CapturedOutput output) {
		Migrator migrator = new Migrator(ClickHouseStack.get(), this.workDir);

		int exit = migrator.run("--mode", "single", "--db", db.name(), "--table", "events",
				"--metrics.pushgateway.url=ftp://ops:s3cret@127.0.0.1:9091");

		assertThat(exit).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("metrics.pushgateway.url must be http://host:port").doesNotContain("s3cret");
	}

	/** A fake Pushgateway recording {@code METHOD path: N samples} per request; returns its URL. */
	private String startPushgateway() throws IOException {
		this.pushgateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.pushgateway.createContext("/", (exchange) -> {
			try (InputStream body = exchange.getRequestBody()) {
				Exposition pushed = Exposition.parse(new String(body.readAllBytes(), StandardCharsets.UTF_8));
				this.pushes.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath() + ": "
						+ pushed.samples().size() + " samples");
			}
			exchange.sendResponseHeaders(200, -1);
			exchange.close();
		});
		this.pushgateway.start();
		return "http://127.0.0.1:" + this.pushgateway.getAddress().getPort();
	}

}
