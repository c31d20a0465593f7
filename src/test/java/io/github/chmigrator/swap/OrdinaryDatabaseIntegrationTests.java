package io.github.chmigrator.swap;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
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
 * Databases without {@code EXCHANGE TABLES} (the deprecated Ordinary engine) are swapped with one
 * multi-table {@code RENAME}, with the same result: the name holds the S3 data, nothing is left over.
 */
@ExtendWith(OutputCaptureExtension.class)
class OrdinaryDatabaseIntegrationTests {

	private TestDatabase db;

	@TempDir
	Path workDir;

	@AfterEach
	void dropDatabase() {
		this.db.close();
	}

	@Test
	void ordinaryDatabaseIsSwappedByRename(CapturedOutput output) {
		this.db = new TestDatabase(ClickHouseStack.get(), "it_ordinary");
		// the local stack keeps one session, so the SET reaches the CREATE
		this.db.execute("DROP DATABASE {db} SYNC", "SET allow_deprecated_database_ordinary = 1",
				"CREATE DATABASE {db} ENGINE = Ordinary",
				"CREATE TABLE {db}.events (day Date, id UInt64) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY id",
				"INSERT INTO {db}.events SELECT toDate('2024-01-01') + number % 90, number FROM numbers(3000)");
		assertThat(this.db.catalog().databaseEngine(this.db.name())).contains("Ordinary");
		TableFingerprint before = TableFingerprint.of(this.db, "events");

		int exit = new Migrator(ClickHouseStack.get(), this.workDir).run("--mode", "single", "--db", this.db.name(),
				"--table", "events", "--s3-policy", "s3");

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(output).contains("exchanged with events__migrating (Ordinary database)");
		assertThat(TableFingerprint.of(this.db, "events")).isEqualTo(before);
		assertThat(TableFingerprint.disks(this.db, "events")).containsExactly("s3");
		assertThat(this.db.tables()).containsExactly("events");
	}

	/**
	 * A materialized view in an Ordinary database stays attached to the table object the RENAME
	 * swap moves away, so it would receive nothing afterwards: such a table is refused before
	 * anything changes.
	 */
	@Test
	void ordinaryTableThatAViewReadsFromIsRefusedBeforeAnythingChanges(CapturedOutput output) {
		this.db = new TestDatabase(ClickHouseStack.get(), "it_ordinary_view");
		this.db.execute("DROP DATABASE {db} SYNC", "SET allow_deprecated_database_ordinary = 1",
				"CREATE DATABASE {db} ENGINE = Ordinary",
				"CREATE TABLE {db}.events (day Date, id UInt64) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY id",
				"CREATE TABLE {db}.daily (day Date, n UInt64) ENGINE = SummingMergeTree ORDER BY day",
				"CREATE MATERIALIZED VIEW {db}.daily_mv TO {db}.daily AS SELECT day, count() AS n FROM {db}.events GROUP BY day",
				"INSERT INTO {db}.events SELECT toDate('2024-01-01') + number % 90, number FROM numbers(3000)");
		TableFingerprint before = TableFingerprint.of(this.db, "events");

		int exit = new Migrator(ClickHouseStack.get(), this.workDir).run("--db", this.db.name(), "--table", "events");

		assertThat(exit).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("table it_ordinary_view.events is read by it_ordinary_view.daily_mv, and database "
				+ "it_ordinary_view is Ordinary");
		assertThat(TableFingerprint.of(this.db, "events")).isEqualTo(before);
		assertThat(TableFingerprint.policy(this.db, "events")).isEqualTo("default");
		assertThat(this.db.tables()).containsExactly("daily", "daily_mv", "events");
	}

}
