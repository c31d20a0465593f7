package io.github.chmigrator.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --mode full} over a database holding every kind of object: MergeTree-family tables are
 * migrated exactly, each as its own job; views, materialized views and their inner tables, Log,
 * Memory, Kafka and Dictionary objects and tables already on the policy are skipped with a reason
 * and left untouched; a table that fails does not stop the others, and the run exits non-zero.
 * (Distributed and Replicated* tables need a cluster and Keeper, which the local engine lacks:
 * their selection is covered by {@code TableSelectionTests}.)
 */
@ExtendWith(OutputCaptureExtension.class)
class DatabaseMigrationIntegrationTests {

	private TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeEach
	void createDatabase() {
		this.db = new TestDatabase(ClickHouseStack.get(), "it_full");
		this.db.execute("CREATE TABLE {db}.events (day Date, id UInt64) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY id",
				"INSERT INTO {db}.events SELECT toDate('2024-01-01') + number % 60, number FROM numbers(2000)",
				"CREATE TABLE {db}.totals (k UInt32, v UInt64) ENGINE = SummingMergeTree PARTITION BY k % 2 ORDER BY k",
				"INSERT INTO {db}.totals SELECT number % 10, number FROM numbers(100)",
				"CREATE TABLE {db}.blocked (id UInt64) ENGINE = MergeTree ORDER BY id",
				"INSERT INTO {db}.blocked SELECT number FROM numbers(10)",
				// a table under the work table's name that the migrator did not create: blocked is refused
				"CREATE TABLE {db}.blocked__migrating (other String) ENGINE = MergeTree ORDER BY other",
				"CREATE TABLE {db}.cold (id UInt64) ENGINE = MergeTree ORDER BY id SETTINGS storage_policy = 's3'",
				"INSERT INTO {db}.cold VALUES (1)",
				"CREATE MATERIALIZED VIEW {db}.events_mv ENGINE = MergeTree ORDER BY id AS SELECT id FROM {db}.events",
				"CREATE VIEW {db}.recent AS SELECT * FROM {db}.events WHERE day > '2024-02-01'",
				"CREATE TABLE {db}.journal (x UInt8) ENGINE = Log", "CREATE TABLE {db}.scratch (x UInt8) ENGINE = Memory",
				"CREATE TABLE {db}.feed (x UInt8) ENGINE = Kafka SETTINGS kafka_broker_list = '127.0.0.1:1', "
						+ "kafka_topic_list = 't', kafka_group_name = 'g', kafka_format = 'JSONEachRow'",
				"CREATE DICTIONARY {db}.names (id UInt64, day Date) PRIMARY KEY id SOURCE(CLICKHOUSE(TABLE 'events' DB 'it_full')) "
						+ "LAYOUT(FLAT()) LIFETIME(0)");
	}

	@AfterEach
	void dropDatabase() {
		this.db.close();
	}

	@Test
	void migratesEveryEligibleTableAndGoesOnPastAFailure(CapturedOutput output) throws Exception {
		TableFingerprint events = TableFingerprint.of(this.db, "events");
		TableFingerprint totals = TableFingerprint.of(this.db, "totals");
		long rows = this.db.count("events") + this.db.count("totals");
		String innerTable = this.db.tables().stream().filter((name) -> name.startsWith(".inner")).findFirst().orElseThrow();
		Migrator migrator = new Migrator(ClickHouseStack.get(), this.workDir);

		int exit = migrator.run("--mode", "full", "--db", this.db.name(), "--s3-policy", "s3");

		assertThat(exit).as("the first failed table's exit code: blocked was refused").isEqualTo(ExitCodes.INVALID);
		assertThat(TableFingerprint.of(this.db, "events")).isEqualTo(events);
		assertThat(TableFingerprint.of(this.db, "totals")).isEqualTo(totals);
		assertThat(TableFingerprint.disks(this.db, "events")).containsExactly("s3");
		assertThat(TableFingerprint.disks(this.db, "totals")).containsExactly("s3");
		assertThat(TableFingerprint.policy(this.db, "blocked")).isEqualTo("default");
		assertThat(this.db.count("blocked")).isEqualTo(10);
		assertThat(TableFingerprint.policy(this.db, innerTable)).isEqualTo("default");
		assertThat(output).contains("Table it_full.events_mv: skipped, a view (MaterializedView)")
			.contains("Table it_full.recent: skipped, a view (View)")
			.contains("Table it_full." + innerTable + ": skipped, the inner table of a materialized view")
			.contains("Table it_full.journal: skipped, engine Log")
			.contains("Table it_full.scratch: skipped, engine Memory")
			.contains("Table it_full.feed: skipped, engine Kafka")
			.contains("Table it_full.names: skipped, engine Dictionary")
			.contains("Table it_full.cold: skipped, already on storage policy 's3'")
			.contains("FAILED database it_full: 12 tables, 2 completed, 1 failed, 9 skipped");
		String report = runReport();
		assertThat(report).contains("\"status\" : \"FAILED\"")
			.contains("\"tables\" : 12")
			.contains("\"completed\" : 2")
			.contains("\"failed\" : 1")
			.contains("\"skipped\" : 9")
			.contains("\"rows\" : " + rows);

		// the operator removes the stray table; the same command completes the rest
		this.db.execute("DROP TABLE {db}.blocked__migrating SYNC");
		assertThat(migrator.run("--mode", "full", "--db", this.db.name(), "--s3-policy", "s3")).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.policy(this.db, "blocked")).isEqualTo("s3");
		assertThat(this.db.count("blocked")).isEqualTo(10);
		assertThat(output).contains("Table it_full.events: skipped, already on storage policy 's3'");
	}

	@Test
	void insertsAfterTheMigrationStillReachTheMaterializedView() {
		Migrator migrator = new Migrator(ClickHouseStack.get(), this.workDir);
		this.db.execute("DROP TABLE {db}.blocked__migrating SYNC");
		long before = this.db.count("events_mv");

		assertThat(migrator.run("--mode", "full", "--db", this.db.name(), "--s3-policy", "s3", "--parallelism", "2"))
			.isEqualTo(ExitCodes.OK);
		this.db.execute("INSERT INTO {db}.events VALUES ('2024-03-01', 999999)");

		assertThat(this.db.count("events_mv")).isEqualTo(before + 1);
	}

	private String runReport() throws Exception {
		try (Stream<Path> files = Files.list(this.workDir.resolve("reports"))) {
			Path file = files.filter((path) -> path.getFileName().toString().startsWith("migration_it_full_full_"))
				.findFirst()
				.orElseThrow();
			return Files.readString(file);
		}
	}

}
