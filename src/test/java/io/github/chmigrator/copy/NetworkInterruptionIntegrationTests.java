package io.github.chmigrator.copy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.FlakyProxy;
import io.github.chmigrator.support.JobRepositoryFiles.Execution;
import io.github.chmigrator.support.JobRepositoryFiles;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Design §11.2, "network errors are retried 3 times, 5 s apart, inside the step", against a real
 * network outage: the migrator talks to ClickHouse through a {@link FlakyProxy}, and once the copy
 * phase has begun (the work table holds a copied partition) the proxy drops every connection and
 * refuses new ones for a while.
 * <ul>
 * <li>An outage shorter than the retries is absorbed inside the running step: the retry warning is
 * logged, the run exits 0 with the table migrated exactly, and the JobRepository holds one job
 * execution whose steps all completed (no rerun was needed).</li>
 * <li>An outage longer than the retries ends the run with {@link ExitCodes#UNAVAILABLE} and a
 * one-line message naming the endpoint, every row is still in the source or the work table, and
 * the same command through the healed network completes the migration exactly.</li>
 * </ul>
 * The retry delay is shortened (1 s, 200 ms) to keep the tests fast, and so is the connect timeout
 * (500 ms): requests on pooled connections fail at once during the outage, but a new connection
 * waits up to the connect timeout (10 s by default) and would simply outlast a short outage, so the
 * retry this test proves would depend on the pool's state.
 */
@ExtendWith(OutputCaptureExtension.class)
class NetworkInterruptionIntegrationTests {

	private static final String DEFINITION = "(p UInt8, id UInt64, s String) ENGINE = MergeTree PARTITION BY p ORDER BY id";

	/** Bound on waiting for the copy phase to begin. */
	private static final Duration COPY_PHASE_TIMEOUT = Duration.ofSeconds(30);

	/** Bound on one migration run. */
	private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);

	private static TestDatabase db;

	@TempDir
	Path workDir;

	private FlakyProxy proxy;

	private ExecutorService runner;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_network");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@BeforeEach
	void startProxy() throws Exception {
		ClickHouseStack stack = ClickHouseStack.get();
		this.proxy = new FlakyProxy(stack.host(), stack.port());
		this.runner = Executors.newSingleThreadExecutor((task) -> {
			Thread thread = new Thread(task, "migrator-run");
			thread.setDaemon(true);
			return thread;
		});
	}

	@AfterEach
	void stopProxy() throws Exception {
		this.runner.shutdownNow();
		this.runner.awaitTermination(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		this.proxy.close();
	}

	@Test
	void outageShorterThanTheRetriesIsRetriedInsideTheStepAndTheMigrationCompletesExactly(CapturedOutput output)
			throws Exception {
		String table = "short_outage";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		// 1.5 s of outage against 3 retries 1 s apart (plus a 500 ms connect timeout per attempt)
		String[] command = command(table, "--clickhouse.retry-delay=1s");

		Future<Integer> run = this.runner.submit(() -> migrator().run(command));
		awaitCopyPhase(table, run);
		this.proxy.cut(Duration.ofMillis(1500));
		int exitCode = run.get(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);

		assertThat(exitCode).isEqualTo(ExitCodes.OK);
		assertThat(this.proxy.droppedConnections() + this.proxy.refusedConnections())
			.as("connections of the migrator the outage dropped or refused")
			.isPositive();
		assertMigratedExactly(table, before);
		assertThat(output).contains("ClickHouse at " + endpoint() + " did not answer").contains("retry 1/3 in 1 s");
		assertThat(output).doesNotContain("cannot reach ClickHouse");
		List<Execution> jobs = JobRepositoryFiles.jobExecutions(this.workDir);
		assertThat(jobs).as("job executions: the retry happened inside the step, no rerun")
			.extracting(Execution::status)
			.containsExactly("COMPLETED");
		assertThat(JobRepositoryFiles.stepExecutions(this.workDir, jobs.get(0).id())).as("step executions")
			.isNotEmpty()
			.allSatisfy((step) -> assertThat(step.status()).as(step.name()).isEqualTo("COMPLETED"));
	}

	@Test
	void outageLongerThanTheRetriesFailsUnavailableLosesNoRowAndTheSameCommandThenCompletesExactly(
			CapturedOutput output) throws Exception {
		String table = "long_outage";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		// 5 s of outage against 3 retries 200 ms apart (plus a 500 ms connect timeout per attempt)
		String[] command = command(table, "--clickhouse.retry-delay=200ms");

		Future<Integer> run = this.runner.submit(() -> migrator().run(command));
		awaitCopyPhase(table, run);
		this.proxy.cut(Duration.ofSeconds(5));
		int failed = run.get(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);

		assertThat(failed).isEqualTo(ExitCodes.UNAVAILABLE);
		String message = "cannot reach ClickHouse at " + endpoint() + " after 3 retries";
		assertThat(output).contains(message);
		assertReportedOnOneLine(output.toString(), message);
		assertThat(TableFingerprint.distinctRowsOf(db, table, table + "__migrating"))
			.as("rows in the source and the work table after the failed run")
			.isEqualTo(before.checksum());
		assertThat(TableFingerprint.policy(db, table)).as("the source keeps its name").isEqualTo("default");

		this.proxy.heal();
		int rerun = migrator().run(command);

		assertThat(rerun).isEqualTo(ExitCodes.OK);
		assertMigratedExactly(table, before);
		assertThat(JobRepositoryFiles.jobInstanceIds(this.workDir)).as("job instances").hasSize(1);
		assertThat(JobRepositoryFiles.jobExecutions(this.workDir)).extracting(Execution::status)
			.containsExactly("FAILED", "COMPLETED");
	}

	private Migrator migrator() {
		return new Migrator(ClickHouseStack.get(), this.workDir);
	}

	/** The migration of the table through the proxy (later flags override the stack's host and port). */
	private String[] command(String table, String... more) {
		return Stream
			.concat(Stream.of("--mode", "single", "--db", db.name(), "--table", table, "--s3-policy", "s3", "--host",
					this.proxy.host(), "--port", Integer.toString(this.proxy.port()), "--insert-interval", "0.3",
					"--clickhouse.connect-timeout=500ms"), Arrays.stream(more))
			.toArray(String[]::new);
	}

	private String endpoint() {
		return this.proxy.host() + ":" + this.proxy.port();
	}

	/** Six partitions of two parts each, 3000 distinct rows. */
	private static void createTable(String table) {
		String qualified = Sql.qualified(db.name(), table);
		db.execute("CREATE TABLE " + qualified + " " + DEFINITION,
				"INSERT INTO " + qualified + " SELECT number % 6, number, toString(number) FROM numbers(1500)",
				"INSERT INTO " + qualified + " SELECT number % 6, number, toString(number) FROM numbers(1500, 1500)");
	}

	/**
	 * Waits (directly on the stack, not through the proxy) until the work table holds a copied
	 * partition: the copy phase has begun and five partitions remain.
	 */
	private static void awaitCopyPhase(String table, Future<Integer> run) throws Exception {
		String parts = "SELECT count() FROM system.parts WHERE database = " + Sql.literal(db.name()) + " AND table = "
				+ Sql.literal(table + "__migrating") + " AND active";
		long deadline = System.nanoTime() + COPY_PHASE_TIMEOUT.toNanos();
		while (db.client().queryFirst(parts, (row) -> row.getLong(1)).orElse(0L) == 0) {
			if (run.isDone()) {
				fail("the run ended (exit code " + run.get() + ") before the copy phase was seen");
			}
			if (System.nanoTime() - deadline > 0) {
				fail("no partition reached " + table + "__migrating within " + COPY_PHASE_TIMEOUT);
			}
			Thread.sleep(50);
		}
	}

	/**
	 * Every line that carries the message is the message alone, and the network failure behind it
	 * (the driver's exception, the MigratorException) never appears as a stack trace.
	 */
	private static void assertReportedOnOneLine(String output, String message) {
		List<String> lines = output.lines().toList();
		for (int i = 0; i < lines.size(); i++) {
			if (lines.get(i).contains(message) && i + 1 < lines.size()) {
				assertThat(lines.get(i + 1)).as("the line after: " + lines.get(i))
					.doesNotStartWith("\tat ")
					.doesNotContainPattern("^[\\w.$]+(Exception|Error)\\b");
			}
		}
		assertThat(lines).as("stack traces of the network failure")
			.noneMatch((line) -> line.startsWith("Caused by:") || line.contains("MigratorException")
					|| line.contains("ClickHouseException") || line.startsWith("\tat com.clickhouse")
					|| line.matches("^[\\w.$]*(com\\.clickhouse|java\\.net|java\\.sql)\\..*"));
	}

	private static void assertMigratedExactly(String table, TableFingerprint before) {
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("s3");
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);
	}

}
