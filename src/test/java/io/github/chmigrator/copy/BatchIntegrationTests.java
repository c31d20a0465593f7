package io.github.chmigrator.copy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.JobRepositoryFiles;
import io.github.chmigrator.support.JobRepositoryFiles.Execution;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Small partitions move in batches ({@link CopyBatch}): a few statements per batch, yet one worker
 * step and ExecutionContext per partition, each with its own record, and a failure that belongs to
 * one partition fails that partition only. The statements are counted in {@code system.query_log},
 * where the migrator marks its own.
 */
class BatchIntegrationTests {

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_batch");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@Test
	void smallPartitionsMoveInBatchesEachWithItsOwnStepAndRecord() throws Exception {
		String table = "batched";

		migrateExactly(table, 30, 12);

		assertThat(TableFingerprint.policy(db, table)).isEqualTo("s3");
		assertThat(migratorAlters(table, "ATTACH PARTITION")).as("one ATTACH per batch of 12, 12 and 6").isEqualTo(3);
		assertThat(migratorAlters(table, "DROP PART")).as("the source stays whole").isZero();
		List<List<String>> records = JobRepositoryFiles.rows(this.workDir, """
				SELECT SE.STEP_NAME, SE.STATUS, C.SHORT_CONTEXT FROM BATCH_STEP_EXECUTION SE
				JOIN BATCH_STEP_EXECUTION_CONTEXT C ON C.STEP_EXECUTION_ID = SE.STEP_EXECUTION_ID
				WHERE SE.STEP_NAME LIKE 'copyPartition:%'""");
		assertThat(records).hasSize(30).allSatisfy((record) -> {
			assertThat(record.get(1)).isEqualTo("COMPLETED");
			assertThat(record.get(2)).contains("\"state\":\"DONE\"").contains("\"copiedRows\":[\"java.lang.Long\",100]");
		});
	}

	@Test
	void withOnePartitionPerBatchEveryPartitionHasItsOwnStatements() throws Exception {
		String table = "one_by_one";

		migrateExactly(table, 6, 1);

		assertThat(migratorAlters(table, "ATTACH PARTITION")).isEqualTo(6);
	}

	@Test
	void aFailureOfOnePartitionInABatchFailsThatPartitionOnlyAndTheRerunCompletesExactly() throws Exception {
		String table = "one_fails";
		db.createPartitionedTable(table, 8, 800, "");
		TableFingerprint before = TableFingerprint.of(db, table);
		Migrator migrator = new Migrator(ClickHouseStack.get(), this.workDir);

		// the design's original loop, whose batches drop the copied parts
		assertThat(migrator.runTable(db, table, "--free-local-per-partition", "--migrator.fail-at=copy.afterDropPart@5"))
			.isEqualTo(ExitCodes.FAILED);

		long first = JobRepositoryFiles.jobExecutions(this.workDir).get(0).id();
		List<Execution> workers = JobRepositoryFiles.stepExecutions(this.workDir, first)
			.stream()
			.filter((step) -> step.name().startsWith("copyPartition:"))
			.toList();
		assertThat(workers).hasSize(8)
			.allSatisfy((step) -> assertThat(step.status()).isEqualTo(step.name().equals("copyPartition:p5") ? "FAILED" : "COMPLETED"));
		assertThat(migratorAlters(table, "DROP PART")).as("the batch dropped the copied parts at once").isEqualTo(1);
		assertThat(db.count(table)).as("every copied part left the source; partition 5 stays COPIED").isZero();

		assertThat(migrator.runTable(db, table, "--free-local-per-partition")).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
	}

	/** Migrates a new table of 100 rows per partition with the given batch size: exit 0, the same rows. */
	private void migrateExactly(String table, int partitions, int batchPartitions) {
		db.createPartitionedTable(table, partitions, partitions * 100L, "");
		TableFingerprint before = TableFingerprint.of(db, table);

		int exit = new Migrator(ClickHouseStack.get(), this.workDir).runTable(db, table, "--batch-partitions",
				Integer.toString(batchPartitions));

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
	}

	/** The migrator's ALTERs on the table or its work table whose text contains the given command. */
	private static long migratorAlters(String table, String command) {
		db.execute("SYSTEM FLUSH LOGS");
		return db.client()
			.queryFirst("""
					SELECT count() FROM system.query_log
					WHERE type = 'QueryFinish' AND log_comment = 'clickhouse-migrator' AND query_kind = 'Alter'
					  AND (has(tables, '%1$s.%2$s') OR has(tables, '%1$s.%2$s__migrating')) AND position(query, '%3$s') > 0"""
				.formatted(db.name(), table, command), (row) -> row.getLong(1))
			.orElseThrow();
	}

}
