package io.github.chmigrator.legacy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.FileSystemUtils;

import io.github.chmigrator.clickhouse.Checksum;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The original script's progress file: a run writes it after every partition, and with
 * {@code --resume} the next run honours it even without any JobRepository history (as when
 * switching from the script), verifying each recorded partition in the target instead of
 * copying it again.
 */
class ProgressFileIntegrationTests {

	private TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeEach
	void createTable() {
		this.db = new TestDatabase(ClickHouseStack.get(), "it_progress");
		this.db.execute("CREATE TABLE {db}.events (day Date, id UInt64) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY id",
				"INSERT INTO {db}.events SELECT toDate('2024-01-01') + number % 120, number FROM numbers(4000)");
	}

	@AfterEach
	void dropDatabase() {
		this.db.close();
	}

	@Test
	void progressFileOfAnInterruptedRunIsHonouredWithoutJobRepositoryHistory() throws Exception {
		TableFingerprint before = TableFingerprint.of(this.db, "events");
		Migrator migrator = new Migrator(ClickHouseStack.get(), this.workDir);
		String[] command = { "--mode", "single", "--db", this.db.name(), "--table", "events", "--s3-policy", "s3",
				"--free-local-per-partition" };

		assertThat(migrator.run(append(command, "--migrator.fail-at=copy.afterCopy@202403"))).isEqualTo(ExitCodes.FAILED);
		Path progress = this.workDir.resolve("reports").resolve("migration_progress.json");
		String written = Files.readString(progress);
		assertThat(written).contains("\"it_progress.events\"")
			.contains("\"status\" : \"failed\"")
			.contains("\"202401\"")
			.contains("\"202402\"")
			.doesNotContain("\"202403\"");

		// as if the previous runs were the original script: no Spring Batch history at all
		FileSystemUtils.deleteRecursively(this.workDir.resolve("data"));
		assertThat(migrator.run(append(command, "--resume"))).isEqualTo(ExitCodes.OK);

		assertThat(TableFingerprint.of(this.db, "events")).isEqualTo(before);
		assertThat(TableFingerprint.disks(this.db, "events")).containsExactly("s3");
		assertThat(this.db.tables()).containsExactly("events");
		String report = lastTableReport();
		assertThat(report).contains("\"strategy\" : \"imported\"").contains("imported from the progress file");
		assertThat(Files.readString(progress)).contains("\"status\" : \"completed\"").contains("\"202404\"");
	}

	@Test
	void targetTableNamedByTheProgressFileIsAdopted() throws Exception {
		TableFingerprint before = TableFingerprint.of(this.db, "events");
		Migrator migrator = new Migrator(ClickHouseStack.get(), this.workDir);
		String[] command = { "--mode", "single", "--db", this.db.name(), "--table", "events", "--s3-policy", "s3",
				"--free-local-per-partition" };
		assertThat(migrator.run(append(command, "--migrator.fail-at=copy.afterCopy@202402"))).isEqualTo(ExitCodes.FAILED);

		// the original script called its target events_new
		this.db.execute("RENAME TABLE {db}.events__migrating TO {db}.events_new");
		Path progress = this.workDir.resolve("reports").resolve("migration_progress.json");
		Files.writeString(progress, Files.readString(progress).replace("events__migrating", "events_new"));
		FileSystemUtils.deleteRecursively(this.workDir.resolve("data"));

		assertThat(migrator.run(append(command, "--resume"))).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(this.db, "events")).isEqualTo(before);
		assertThat(this.db.tables()).containsExactly("events");
	}

	/**
	 * The original script copied 2024-01 and 2024-02 to its target and dropped them from the source;
	 * rows were inserted into those months since. Those copied rows exist nowhere else: the resume
	 * never clears them, and carries only the source's rows on top.
	 */
	@Test
	void partitionsTheScriptCopiedAndFreedAreNeverClearedAndRowsInsertedSinceAreCarriedOnTop() throws Exception {
		this.db.execute("CREATE TABLE {db}.events_new (day Date, id UInt64) ENGINE = MergeTree PARTITION BY toYYYYMM(day) "
				+ "ORDER BY id SETTINGS storage_policy = 's3'",
				"ALTER TABLE {db}.events_new ATTACH PARTITION 202401 FROM {db}.events",
				"ALTER TABLE {db}.events_new ATTACH PARTITION 202402 FROM {db}.events",
				"ALTER TABLE {db}.events DROP PARTITION 202401", "ALTER TABLE {db}.events DROP PARTITION 202402",
				"INSERT INTO {db}.events SELECT toDate('2024-01-05') + number % 40, 100000 + number FROM numbers(70)");
		long january = this.db.count("events_new", "toYYYYMM(day) = 202401");
		long february = this.db.count("events_new", "toYYYYMM(day) = 202402");
		Checksum expected = TableFingerprint.distinctRowsOf(this.db, "events", "events_new");
		assertThat(expected.rows()).isEqualTo(4070);
		Path progress = this.workDir.resolve("reports").resolve("migration_progress.json");
		Files.createDirectories(progress.getParent());
		Files.writeString(progress, """
				{"version": 1, "updatedAt": "2026-11-21T08:33:10Z", "tables": {"%s.events": {"status": "failed",
				 "targetTable": "events_new", "targetPolicy": "s3", "startedAt": "2026-11-21T08:33:09Z",
				 "updatedAt": "2026-11-21T08:33:10Z", "completedAt": null, "completedPartitions": {
				 "202401": {"rows": %d, "completedAt": "2026-11-21T08:33:10Z"},
				 "202402": {"rows": %d, "completedAt": "2026-11-21T08:33:10Z"}}}}}""".formatted(this.db.name(), january,
				february));

		int exit = new Migrator(ClickHouseStack.get(), this.workDir).run("--mode", "single", "--db", this.db.name(),
				"--table", "events", "--s3-policy", "s3", "--resume");

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(this.db, "events").checksum()).isEqualTo(expected);
		assertThat(TableFingerprint.disks(this.db, "events")).containsExactly("s3");
		assertThat(this.db.tables()).containsExactly("events");
		assertThat(lastTableReport()).contains("\"strategy\" : \"imported\"");
	}

	private String lastTableReport() throws Exception {
		try (Stream<Path> files = Files.list(this.workDir.resolve("reports"))) {
			Path last = files.filter((file) -> file.getFileName().toString().startsWith("migration_it_progress.events_"))
				.max(java.util.Comparator.comparing(Path::toString))
				.orElseThrow();
			return Files.readString(last);
		}
	}

	private static String[] append(String[] command, String... more) {
		return Stream.concat(Stream.of(command), Stream.of(more)).toArray(String[]::new);
	}

}
