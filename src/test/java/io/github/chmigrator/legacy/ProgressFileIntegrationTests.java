package io.github.chmigrator.legacy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.FileSystemUtils;

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
		String[] command = { "--mode", "single", "--db", this.db.name(), "--table", "events", "--s3-policy", "s3" };

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
		String[] command = { "--mode", "single", "--db", this.db.name(), "--table", "events", "--s3-policy", "s3" };
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
