package io.github.chmigrator.run;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.StoragePolicy;
import io.github.chmigrator.clickhouse.TableInfo;
import io.github.chmigrator.config.MigrationSettings;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.policy.TableChecks;
import io.github.chmigrator.run.TableSelection.Decision;

/**
 * {@code --mode full} (design §6.2): every MergeTree-family table of the database that is not
 * already on the target policy, each as its own JobInstance (so each restarts on its own), in
 * name order, up to {@code --parallelism} tables at once. A failed table does not stop the others.
 */
public class DatabaseRunner {

	private static final Logger logger = LoggerFactory.getLogger(DatabaseRunner.class);

	private final ClickHouseCatalog catalog;

	private final TableRunner tables;

	public DatabaseRunner(ClickHouseCatalog catalog, TableRunner tables) {
		this.catalog = catalog;
		this.tables = tables;
	}

	public RunSummary run(String clickhouse, String database, String targetPolicy, MigrationSettings settings) {
		Instant start = Instant.now();
		if (this.catalog.databaseEngine(database).isEmpty()) {
			throw new MigratorException(ExitCodes.INVALID, "database '%s' does not exist on %s".formatted(database, clickhouse));
		}
		List<StoragePolicy> policies = this.catalog.storagePolicies();
		TableChecks checks = new TableChecks(this.catalog);
		List<Decision> decisions = TableSelection.decide(this.catalog.tables(database), targetPolicy,
				(table) -> policies.stream()
					.filter((policy) -> policy.name().equals(targetPolicy))
					.anyMatch((policy) -> inPlace(checks, settings, table, policy, policies)));
		long selected = decisions.stream().filter(Decision::migrate).count();
		logger.info("Database {}: {} tables, {} to migrate to policy '{}', {} skipped", database, decisions.size(), selected,
				targetPolicy, decisions.size() - selected);
		List<TableOutcome> outcomes = new ArrayList<>();
		ExecutorService executor = Executors.newFixedThreadPool(Math.max(1, settings.parallelism()));
		try {
			List<Future<TableOutcome>> running = new ArrayList<>();
			for (Decision decision : decisions) {
				String table = decision.table().name();
				if (!decision.migrate()) {
					logger.info("Table {}.{}: skipped, {}", database, table, decision.skipReason());
					running.add(java.util.concurrent.CompletableFuture
						.completedFuture(TableOutcome.skipped(database, table, decision.skipReason())));
					continue;
				}
				TableJobParameters parameters = new TableJobParameters(clickhouse, null, database, table, targetPolicy);
				running.add(executor.submit(() -> this.tables.run(parameters, settings)));
			}
			for (Future<TableOutcome> outcome : running) {
				outcomes.add(outcome.get());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new MigratorException(ExitCodes.FAILED, "interrupted while migrating database " + database, ex);
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException(ex.getCause());
		}
		finally {
			executor.shutdown();
		}
		return new RunSummary("full", database, targetPolicy, clickhouse, start, Instant.now(), outcomes);
	}

	private static boolean inPlace(TableChecks checks, MigrationSettings settings, TableInfo table,
			StoragePolicy target, List<StoragePolicy> policies) {
		try {
			return checks.choose(settings.strategy(), settings.toS3(), table, target, policies).inPlace();
		}
		catch (MigratorException ex) {
			return false; // --strategy move with a policy that cannot: the table's own run says why
		}
	}

}
