package io.github.chmigrator.run;

import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.JobRepositoryFiles.Execution;
import io.github.chmigrator.support.JobRepositoryFiles;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --abort} with {@code --free-local-per-partition} (the source kept whole needs nothing put back:
 * {@code LiveTableIntegrationTests}) puts every partition a stopped migration moved back into the live table exactly,
 * on its original policy, removes the work table, and abandons the job instance; an abort killed at
 * any step is completed by the next one; after it, the table migrates anew.
 */
@ExtendWith(OutputCaptureExtension.class)
class AbortIntegrationTests {

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_abort");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@Test
	void abortMidCopyPutsEveryRowBackAndTheNextRunMigratesTheTableAnew(CapturedOutput output) throws Exception {
		String table = "mid_copy";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		assertThat(run(table, "--migrator.fail-at=copy.afterDropPart@2")).isEqualTo(ExitCodes.FAILED);
		assertThat(db.count(table)).as("moved partitions are missing from the live table").isLessThan(2_000);

		int aborted = run(table, "--abort");

		assertThat(aborted).isEqualTo(ExitCodes.OK);
		assertOriginal(table, before);
		assertThat(output).contains("ABANDONED it_abort.mid_copy: 2,000 rows of 4 partitions put back");
		assertThat(JobRepositoryFiles.jobExecutions(this.workDir)).extracting(Execution::status).contains("ABANDONED");
		assertThat(this.workDir.resolve("reports")).isDirectoryContaining("glob:**/migration_it_abort.mid_copy_abort_*.json");

		assertThat(run(table)).as("the next run, a new generation").isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
	}

	@Test
	void abortAfterAStopForASourceChangePutsEveryRowBack(CapturedOutput output) {
		String table = "after_stop";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		assertThat(run(table, "--migrator.fail-at=copy.afterDropPart@1")).isEqualTo(ExitCodes.FAILED);
		db.execute("ALTER TABLE {db}." + table + " ADD INDEX s_idx s TYPE bloom_filter GRANULARITY 1");
		assertThat(run(table)).isEqualTo(ExitCodes.FAILED);
		assertThat(output).contains("the definition of it_abort.after_stop changed during the run");
		String changed = TableFingerprint.of(db, table).definition();

		int aborted = run(table, "--abort");

		assertThat(aborted).isEqualTo(ExitCodes.OK);
		assertOriginal(table, new TableFingerprint(before.checksum(), changed));
	}

	@Test
	void abortDoesNotBringBackAPartitionDroppedAfterItMoved(CapturedOutput output) throws Exception {
		String table = "dropped_then_aborted";
		createTable(table);
		long partitionZero = db.count(table, "p = 0");
		assertThat(run(table, "--migrator.fail-at=copy.afterDropPart@1")).isEqualTo(ExitCodes.FAILED);
		Thread.sleep(1_500);
		db.execute("ALTER TABLE {db}." + table + " DROP PARTITION 0");

		int aborted = run(table, "--abort");

		assertThat(aborted).isEqualTo(ExitCodes.OK);
		assertThat(db.count(table)).as("every row back but the dropped partition's").isEqualTo(2_000 - partitionZero);
		assertThat(output).contains("partition 0 had moved to dropped_then_aborted__migrating when the source received");
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);
	}

	@Test
	void abortKilledAtAnyStepIsCompletedByTheNextAbort() {
		String table = "killed_abort";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		assertThat(run(table, "--migrator.fail-at=copy.afterDropPart@2")).isEqualTo(ExitCodes.FAILED);

		assertThat(run(table, "--abort", "--migrator.fail-at=abort.afterMove@1")).isEqualTo(ExitCodes.FAILED);
		assertThat(run(table, "--abort", "--migrator.fail-at=abort.afterStage@3")).isEqualTo(ExitCodes.FAILED);
		assertThat(TableFingerprint.distinctRowsOf(db, table, table + "__migrating", table + "__back"))
			.as("every row in one of the tables meanwhile").isEqualTo(before.checksum());
		int aborted = run(table, "--abort");

		assertThat(aborted).isEqualTo(ExitCodes.OK);
		assertOriginal(table, before);
	}

	@Test
	void abortOnceTheSwapBeganIsRefusedAndTheSameCommandCompletes(CapturedOutput output) {
		String table = "swapped";
		createTable(table);
		TableFingerprint before = TableFingerprint.of(db, table);
		assertThat(run(table, "--migrator.fail-at=swap.afterExchange")).isEqualTo(ExitCodes.FAILED);

		int refused = run(table, "--abort");

		assertThat(refused).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("the swap of it_abort.swapped has begun");
		assertThat(run(table)).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
	}

	@Test
	void abortWithoutAnUnfinishedMigrationIsRefused(CapturedOutput output) {
		String table = "untouched";
		createTable(table);

		assertThat(run(table, "--abort")).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("--abort: no unfinished migration of it_abort.untouched");
	}

	private void assertOriginal(String table, TableFingerprint expected) {
		assertThat(TableFingerprint.of(db, table)).isEqualTo(expected);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("default");
		assertThat(TableFingerprint.disks(db, table)).containsExactly("default");
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);
		assertThat(db.mergesStopped(table)).as("merges run again on the table").isFalse();
	}

	/** Every run with the design's original loop, whose partitions leave the source as they are copied. */
	private int run(String table, String... more) {
		return new Migrator(ClickHouseStack.get(), this.workDir)
			.run(Stream.concat(Stream.of("--db", db.name(), "--table", table, "--free-local-per-partition"), Stream.of(more))
				.toArray(String[]::new));
	}

	/** Four partitions of two parts each, 2000 distinct rows. */
	private static void createTable(String table) {
		db.createPartitionedTable(table, 4, 2_000, "");
	}

}
