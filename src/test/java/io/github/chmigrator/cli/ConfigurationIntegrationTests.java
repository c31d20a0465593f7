package io.github.chmigrator.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.chmigrator.ClickhouseMigratorApplication;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The original script's three ways of being configured each drive a real run: the design's
 * {@code config.yaml} (§7.1) as it is, its environment variables (§7.2), its flags (§4.1.1); and
 * when all three disagree the command line wins over the variables, which win over the file.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConfigurationIntegrationTests {

	private final ClickHouseStack stack = ClickHouseStack.get();

	private TestDatabase db;

	@TempDir
	Path dir;

	@BeforeEach
	void createTable() {
		this.db = new TestDatabase(this.stack, "it_config");
		this.db.execute("CREATE TABLE {db}.events (day Date, id UInt64) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY id",
				"INSERT INTO {db}.events SELECT toDate('2024-01-01') + number % 60, number FROM numbers(500)");
	}

	@AfterEach
	void dropDatabase() {
		this.db.close();
	}

	@Test
	void designConfigFileAloneDrivesARun() throws Exception {
		Path config = designConfig(this.stack.host(), this.stack.port(), "s3", this.dir.resolve("file-reports"),
				this.dir.resolve("file-logs"), this.stack.password());

		int exit = run(Map.of(), "--config", config.toString(), "--mode", "single", "--db", this.db.name(), "--table", "events");

		assertMigrated(exit);
		assertThat(this.dir.resolve("file-reports")).isDirectoryContaining("glob:**/migration_it_config.events_*.json");
		assertThat(Files.readString(this.dir.resolve("file-logs/clickhouse-migrator.log"))).contains("Table it_config.events")
			.doesNotContain(this.stack.password());
	}

	@Test
	void designEnvironmentVariablesAloneDriveARun() throws Exception {
		Map<String, String> variables = Map.of("CH_HOST", this.stack.host(), "CH_PORT", Integer.toString(this.stack.port()),
				"CH_USER", this.stack.user(), "CH_PASSWORD", this.stack.password(), "S3_POLICY", "s3",
				"MIGRATION_INSERT_INTERVAL", "0", "MIGRATION_RESUME", "true", "LOG_LEVEL", "WARNING", "LOG_PATH",
				this.dir.resolve("env-logs").toString(), "REPORT_PATH", this.dir.resolve("env-reports").toString());

		int exit = run(variables, "--mode", "single", "--db", this.db.name(), "--table", "events");

		assertMigrated(exit);
		assertThat(this.dir.resolve("env-reports")).isDirectoryContaining("glob:**/migration_it_config.events_*.json");
		assertThat(this.dir.resolve("env-logs/clickhouse-migrator.log")).exists();
	}

	@Test
	void designFlagsAloneDriveARun() {
		int exit = run(Map.of(), "--mode", "single", "--db", this.db.name(), "--table", "events", "--host", this.stack.host(),
				"--port", Integer.toString(this.stack.port()), "--user", this.stack.user(), "--password",
				this.stack.password(), "--s3-policy", "s3", "--insert-interval", "0", "--resume", "--log-path",
				this.dir.resolve("flag-logs").toString(), "--report-path", this.dir.resolve("flag-reports").toString());

		assertMigrated(exit);
		assertThat(this.dir.resolve("flag-reports")).isDirectoryContaining("glob:**/migration_it_config.events_*.json");
	}

	@Test
	void commandLineBeatsVariablesBeatConfigFile(CapturedOutput output) throws Exception {
		// the file gets everything wrong; the variables fix the port and the password but name a
		// policy that does not exist; the command line names the right policy and report path
		Path config = designConfig("127.0.0.1", 1, "policy-from-file", this.dir.resolve("file-reports"),
				this.dir.resolve("file-logs"), "password-from-file");
		Map<String, String> variables = Map.of("CH_HOST", this.stack.host(), "CH_PORT", Integer.toString(this.stack.port()),
				"CH_PASSWORD", this.stack.password(), "S3_POLICY", "policy-from-env", "REPORT_PATH",
				this.dir.resolve("env-reports").toString());

		int exit = run(variables, "--config", config.toString(), "--mode", "single", "--db", this.db.name(), "--table",
				"events", "--s3-policy", "s3", "--report-path", this.dir.resolve("cli-reports").toString());

		assertMigrated(exit);
		assertThat(this.dir.resolve("cli-reports")).isDirectoryContaining("glob:**/migration_it_config.events_*.json");
		assertThat(this.dir.resolve("env-reports")).doesNotExist();
		assertThat(this.dir.resolve("file-reports")).doesNotExist();
		assertThat(output).doesNotContain("policy-from-env").doesNotContain("policy-from-file");
	}

	@Test
	void listShowsTheRecordedRunsReadOnly(CapturedOutput output) {
		assertMigrated(run(Map.of("CH_PASSWORD", this.stack.password()), "--mode", "single", "--db", this.db.name(),
				"--table", "events", "--host", this.stack.host(), "--port", Integer.toString(this.stack.port()),
				"--s3-policy", "s3", "--insert-interval", "0", "--report-path", this.dir.resolve("reports").toString()));

		int exit = run(Map.of(), "--list");

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(output).containsPattern("1\\s+1\\s+COMPLETED .* 2/2\\s+it_config.events -> s3 \\(");
	}

	private void assertMigrated(int exit) {
		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.policy(this.db, "events")).isEqualTo("s3");
		assertThat(this.db.count("events")).isEqualTo(500);
	}

	private int run(Map<String, String> variables, String... args) {
		List<String> all = new ArrayList<>(List.of(args));
		all.add("--migrator.home=" + this.dir.resolve("data"));
		this.stack.driverProperties().forEach((name, value) -> all.add("--clickhouse.properties." + name + "=" + value));
		return ClickhouseMigratorApplication.run(new HashMap<>(variables), all.toArray(String[]::new));
	}

	/** The design's config.yaml, §7.1, key for key. */
	private Path designConfig(String host, int port, String policy, Path reports, Path logs, String password)
			throws Exception {
		return Files.writeString(this.dir.resolve("config.yaml"), """
				clickhouse:
				  host: %s
				  port: %d
				  user: default
				  password: "%s"

				s3:
				  policy: %s

				migration:
				  insert_interval: 0
				  resume: false

				logging:
				  level: info
				  path: %s

				report:
				  path: %s
				""".formatted(host, port, password, policy, logs, reports));
	}

}
