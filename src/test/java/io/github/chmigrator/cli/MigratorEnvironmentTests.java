package io.github.chmigrator.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class MigratorEnvironmentTests {

	@TempDir
	Path dir;

	@Test
	void commandLineBeatsVariablesBeatConfigFile() throws Exception {
		Path config = Files.writeString(this.dir.resolve("config.yaml"), """
				clickhouse:
				  host: from-file
				  port: 8123
				  user: file-user
				s3:
				  policy: file-policy
				migration:
				  insert_interval: 3.0
				logging:
				  level: debug
				  path: ./file-logs
				""");
		StandardEnvironment environment = MigratorEnvironment.create(
				CommandLineFlags.parse("--host", "from-cli", "--config", config.toString()),
				Map.of("CH_HOST", "from-env", "CH_USER", "env-user"));

		assertThat(environment.getProperty("clickhouse.host")).isEqualTo("from-cli");
		assertThat(environment.getProperty("clickhouse.user")).isEqualTo("env-user");
		assertThat(environment.getProperty("s3.policy")).isEqualTo("file-policy");
		assertThat(environment.getProperty("migration.insert_interval")).isEqualTo("3.0");
		assertThat(environment.getProperty("logging.level.io.github.chmigrator")).isEqualTo("debug");
		assertThat(environment.getProperty("logging.file.path")).isEqualTo("./file-logs");
	}

	@Test
	void designVariablesMapToProperties() {
		assertThat(MigratorEnvironment.fromVariables(Map.of("CH_PORT", "9000", "S3_POLICY", "cold",
				"MIGRATION_INSERT_INTERVAL", "2", "MIGRATION_RESUME", "true", "REPORT_PATH", "/r", "UNRELATED", "x",
				"MIGRATION_MAX_BYTES_PER_SECOND", "1000000")))
			.containsOnly(Map.entry("clickhouse.port", "9000"), Map.entry("s3.policy", "cold"),
					Map.entry("migration.insert-interval", "2"), Map.entry("migration.resume", "true"),
					Map.entry("report.path", "/r"), Map.entry("migration.max-bytes-per-second", "1000000"));
	}

	@Test
	void emptyVariablesAreIgnored() {
		assertThat(MigratorEnvironment.fromVariables(Map.of("CH_PASSWORD", ""))).isEmpty();
	}

}
