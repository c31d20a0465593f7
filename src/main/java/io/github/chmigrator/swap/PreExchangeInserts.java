package io.github.chmigrator.swap;

import java.time.Duration;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.migration.TableJobParameters;

/** Waits, after the exchange, for the INSERTs that still write into the old table. */
class PreExchangeInserts {

	private static final Duration POLL = Duration.ofSeconds(1);

	private static final Logger logger = LoggerFactory.getLogger(PreExchangeInserts.class);

	private final TableOperations operations;

	private final Duration wait;

	PreExchangeInserts(TableOperations operations, Duration wait) {
		this.operations = operations;
		this.wait = wait;
	}

	/**
	 * An INSERT resolves its table when it starts and writes into that table object until it ends;
	 * {@code EXCHANGE TABLES} does not wait for it. One that started before the exchange therefore
	 * commits its rows into the old table, possibly after the last catch-up, and they would go
	 * with the old table although the client got OK. So the final catch-up starts only once no
	 * INSERT that started before the exchange is running ({@code system.processes} of this server,
	 * where a Distributed table's inserts run too). Those still running after
	 * {@code migration.exchange-wait} stop the step with their query ids: nothing is dropped, and
	 * the rerun waits again. (The local test engine runs one query at a time, so this race cannot
	 * be reproduced there.)
	 */
	void await(TableJobParameters job, long exchangedAt) {
		long deadline = System.nanoTime() + this.wait.toNanos();
		List<String> running = this.operations.client().withRetry(() -> this.operations.insertsStartedBefore(exchangedAt));
		while (!running.isEmpty()) {
			if (System.nanoTime() >= deadline) {
				throw new MigratorException(ExitCodes.FAILED, ("%d INSERT queries that started before the exchange are still "
						+ "running after %s (query_id %s): their rows may still land in the old table %s.%s, so it is not "
						+ "dropped yet. Rerun once they have finished (SELECT query_id, elapsed, query FROM system.processes)")
					.formatted(running.size(), Sizes.duration(this.wait), String.join(", ", running), job.database(),
							job.workTable()));
			}
			logger.info("Table {}: waiting for {} INSERT queries that started before the exchange ({})",
					job.qualifiedTable(), running.size(), String.join(", ", running));
			sleep(POLL);
			running = this.operations.client().withRetry(() -> this.operations.insertsStartedBefore(exchangedAt));
		}
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while waiting for INSERT queries", ex);
		}
	}

}
