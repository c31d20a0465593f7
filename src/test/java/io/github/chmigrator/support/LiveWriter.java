package io.github.chmigrator.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import io.github.chmigrator.clickhouse.ClickHouseClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client writing to a table while it migrates: 5 new ids every 20 ms, on its own connection,
 * alternating between the table's partitions and five new ones (column {@code p}); a failed insert
 * is not retried with the same ids. Rows are {@code (p, id, 'live')}.
 */
public final class LiveWriter implements AutoCloseable {

	private final String table;

	private final int partitions;

	private final AtomicBoolean stop = new AtomicBoolean();

	private final Set<Long> confirmed = ConcurrentHashMap.newKeySet();

	private final Set<Long> failed = ConcurrentHashMap.newKeySet();

	private final List<String> errors = Collections.synchronizedList(new ArrayList<>());

	private final AtomicInteger batches = new AtomicInteger();

	private final Thread thread;

	/** Starts writing to the (quoted, qualified) table. */
	public LiveWriter(String qualifiedTable, int partitions) {
		this.table = qualifiedTable;
		this.partitions = partitions;
		this.thread = new Thread(this::write, "live-writer");
		this.thread.start();
	}

	/** The ids whose insert returned OK. */
	public Set<Long> confirmed() {
		return Set.copyOf(this.confirmed);
	}

	/** The ids whose insert failed: they may or may not have landed. */
	public Set<Long> failed() {
		return Set.copyOf(this.failed);
	}

	/** What failed inserts said. */
	public List<String> errors() {
		return List.copyOf(this.errors);
	}

	/** Waits until at least the given number of rows were confirmed; fails after a minute. */
	public void awaitConfirmed(int rows) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		while (this.confirmed.size() < rows) {
			assertThat(System.nanoTime()).as("%d rows confirmed within a minute; errors: %s", rows, this.errors)
				.isLessThan(deadline);
			Thread.sleep(20);
		}
	}

	/** Stops writing and waits for the last insert to end. */
	@Override
	public void close() throws InterruptedException {
		this.stop.set(true);
		this.thread.join(Duration.ofSeconds(30).toMillis());
	}

	/**
	 * Checks the ids found in the table: none twice, every original and confirmed one present, none
	 * that nobody inserted (a failed insert may or may not have landed).
	 * @param ids the ids in the table
	 * @param originals the ids the table held before
	 */
	public void assertExactlyOnce(List<Long> ids, Set<Long> originals) {
		Set<Long> distinct = new HashSet<>(ids);
		assertThat(ids).as("no row twice").hasSameSizeAs(distinct);
		Set<Long> expected = new HashSet<>(this.confirmed);
		expected.addAll(originals);
		Set<Long> missing = new HashSet<>(expected);
		missing.removeAll(distinct);
		assertThat(missing).as("confirmed or original ids missing").isEmpty();
		Set<Long> unexpected = new HashSet<>(distinct);
		unexpected.removeAll(expected);
		unexpected.removeAll(this.failed);
		assertThat(unexpected).as("ids nobody inserted").isEmpty();
	}

	private void write() {
		try (ClickHouseClient client = new ClickHouseClient(TestDatabase.settings(ClickHouseStack.get()), 2)) {
			long next = 1_000_000;
			while (!this.stop.get()) {
				int partition = this.batches.getAndIncrement() % (this.partitions + 5);
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

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
