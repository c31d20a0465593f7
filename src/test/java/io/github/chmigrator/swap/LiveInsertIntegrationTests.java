package io.github.chmigrator.swap;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.chmigrator.clickhouse.Checksum;
import io.github.chmigrator.clickhouse.ClickHouseClient;
import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The table stays writable while it migrates: a writer keeps inserting small batches of new ids,
 * into existing partitions and new ones, through the table's name, before, during and after the
 * swap. Every insert that returned without error is in the migrated table exactly once, every
 * original row is unchanged, and nothing else is there (an insert that failed may or may not
 * have landed, but never twice).
 */
class LiveInsertIntegrationTests {

	private static final int PARTITIONS = 10;

	private static final long ORIGINAL_ROWS = 3000;

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_live");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "attach", "insert" })
	void everyConfirmedInsertDuringTheMigrationEndsUpInTheMigratedTableExactlyOnce(String strategy) throws Exception {
		String table = "live_" + strategy;
		String qualified = Sql.qualified(db.name(), table);
		db.execute("CREATE TABLE " + qualified + " (p UInt8, id UInt64, s String) ENGINE = MergeTree PARTITION BY p ORDER BY id",
				"INSERT INTO " + qualified + " SELECT number % " + PARTITIONS + ", number, toString(number) FROM numbers("
						+ ORIGINAL_ROWS / 2 + ")",
				"INSERT INTO " + qualified + " SELECT number % " + PARTITIONS + ", number, toString(number) FROM numbers("
						+ ORIGINAL_ROWS / 2 + ", " + ORIGINAL_ROWS / 2 + ")");
		Checksum originals = originalRows(table);
		Writer writer = new Writer(qualified);
		Thread thread = new Thread(writer, "live-writer");
		thread.start();
		int exit;
		int confirmedBefore;
		int confirmedDuring;
		try {
			writer.awaitConfirmed(5);
			confirmedBefore = writer.confirmed.size();
			exit = new Migrator(ClickHouseStack.get(), this.workDir).run("--mode", "single", "--db", db.name(), "--table",
					table, "--s3-policy", "s3", "--strategy", strategy, "--insert-interval", "0.2");
			confirmedDuring = writer.confirmed.size() - confirmedBefore;
			// a few more inserts after the swap, into the new table by its name
			writer.awaitConfirmed(writer.confirmed.size() + 5);
		}
		finally {
			writer.stop.set(true);
			thread.join(Duration.ofSeconds(30).toMillis());
		}

		assertThat(exit).as("exit code; writer errors: %s", writer.errors).isEqualTo(ExitCodes.OK);
		assertThat(confirmedDuring).as("rows inserted while the migration ran").isGreaterThan(50);
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("s3");
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(originalRows(table)).as("the original rows").isEqualTo(originals);
		List<Long> ids = db.client().query("SELECT id FROM " + qualified, (row) -> row.getLong(1));
		Set<Long> distinct = new HashSet<>(ids);
		assertThat(ids).as("no row twice").hasSameSizeAs(distinct);
		Set<Long> expected = new HashSet<>(writer.confirmed);
		LongStream.range(0, ORIGINAL_ROWS).forEach(expected::add);
		Set<Long> missing = new HashSet<>(expected);
		missing.removeAll(distinct);
		assertThat(missing).as("confirmed or original ids missing from the migrated table").isEmpty();
		Set<Long> unexpected = new HashSet<>(distinct);
		unexpected.removeAll(expected);
		unexpected.removeAll(writer.failed);
		assertThat(unexpected).as("ids nobody inserted").isEmpty();
		assertThat(db.mergesStopped(table)).as("merges stopped on the migrated table").isFalse();
	}

	private static Checksum originalRows(String table) {
		return db.client()
			.queryFirst("SELECT count(), toString(sum(cityHash64(p, id, s))) FROM " + Sql.qualified(db.name(), table)
					+ " WHERE id < " + ORIGINAL_ROWS, (row) -> new Checksum(row.getLong(1), row.getString(2)))
			.orElseThrow();
	}

	/**
	 * Inserts 5 new ids every 20 ms, on its own connection, alternating between the existing
	 * partitions and five new ones; a failed insert is not retried with the same ids.
	 */
	private static final class Writer implements Runnable {

		private final String table;

		final AtomicBoolean stop = new AtomicBoolean();

		final Set<Long> confirmed = ConcurrentHashMap.newKeySet();

		final Set<Long> failed = ConcurrentHashMap.newKeySet();

		final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());

		private final AtomicInteger batches = new AtomicInteger();

		Writer(String table) {
			this.table = table;
		}

		@Override
		public void run() {
			try (ClickHouseClient client = new ClickHouseClient(TestDatabase.settings(ClickHouseStack.get()), 2)) {
				long next = 1_000_000;
				while (!this.stop.get()) {
					int batch = this.batches.getAndIncrement();
					int partition = batch % (PARTITIONS + 5);
					List<Long> ids = LongStream.range(next, next + 5).boxed().toList();
					next += 5;
					String values = ids.stream()
						.map((id) -> "(" + partition + ", " + id + ", 'live')")
						.collect(Collectors.joining(", "));
					try {
						client.execute("INSERT INTO " + this.table + " VALUES " + values);
						this.confirmed.addAll(ids);
					}
					catch (RuntimeException ex) {
						this.failed.addAll(ids);
						this.errors.add(ex.getMessage());
					}
					sleep(20);
				}
			}
		}

		void awaitConfirmed(int rows) throws InterruptedException {
			long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
			while (this.confirmed.size() < rows && System.nanoTime() < deadline && !this.stop.get()) {
				Thread.sleep(20);
			}
		}

		private static void sleep(long millis) {
			try {
				Thread.sleep(millis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

}
