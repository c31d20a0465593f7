package io.github.chmigrator.job;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ChildLogs;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.LiveWriter;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} at random moments, ten times in a row, while a client keeps inserting, and then
 * the same command completes: every original and confirmed row exactly once, nothing else, the
 * table on S3 and nothing left behind. The moments are drawn from a seed the failure messages
 * print, so a failing sequence can be replayed.
 */
class RandomKillIntegrationTests {

	private static final int PARTITIONS = 24;

	private static final long ORIGINAL_ROWS = 4800;

	private static final int KILLS = 10;

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_random_kill");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@Test
	void tenKillsAtRandomMomentsWithLiveInsertsThenTheSameCommandCompletesExactly() throws Exception {
		String table = "killed";
		String qualified = Sql.qualified(db.name(), table);
		db.createPartitionedTable(table, PARTITIONS, ORIGINAL_ROWS, "");
		long seed = System.nanoTime();
		Random random = new Random(seed);
		Migrator migrator = new Migrator(ClickHouseStack.get(), this.workDir);
		String[] command = { "--db", db.name(), "--table", table, "--insert-interval", "0.3", "--parallelism", "2" };
		List<String> runs = new ArrayList<>();
		int exit;
		LiveWriter writer = new LiveWriter(qualified, PARTITIONS);
		try {
			writer.awaitConfirmed(5);
			for (int i = 0; i < KILLS; i++) {
				Path log = this.workDir.resolve("run-" + i + ".log");
				Process child = migrator.separateJvm(log, command).start();
				long after = 2000 + random.nextInt(5000);
				boolean ended = child.waitFor(after, TimeUnit.MILLISECONDS);
				if (!ended) {
					child.destroyForcibly();
					assertThat(child.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
				}
				runs.add(ended ? "ended " + child.exitValue() : "killed after " + after + " ms");
				assertThat(!ended || child.exitValue() == ExitCodes.OK)
					.as("seed %d, run %d ended by itself with a failure; its log:%n%s", seed, i, ChildLogs.read(log))
					.isTrue();
			}
			exit = migrator.run(command);
			writer.awaitConfirmed(writer.confirmed().size() + 5);
		}
		finally {
			writer.close();
		}

		assertThat(exit).as("seed %d, runs %s", seed, runs).isEqualTo(ExitCodes.OK);
		assertThat(runs.stream().filter((run) -> run.startsWith("killed")).count())
			.as("runs killed mid-migration (seed %d): %s", seed, runs).isGreaterThanOrEqualTo(5);
		assertThat(writer.errors()).as("inserts refused while the table migrated").isEmpty();
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("s3");
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(db.tables()).filteredOn((name) -> name.startsWith(table)).containsExactly(table);
		writer.assertExactlyOnce(db.client().query("SELECT id FROM " + qualified, (row) -> row.getLong(1)),
				LongStream.range(0, ORIGINAL_ROWS).boxed().collect(Collectors.toSet()));
		assertThat(db.mergesStopped(table)).as("merges stopped on the migrated table").isFalse();
	}

}
