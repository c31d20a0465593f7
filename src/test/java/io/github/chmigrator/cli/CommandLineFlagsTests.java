package io.github.chmigrator.cli;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

class CommandLineFlagsTests {

	@Test
	void designFlagsMapToProperties() {
		assertThat(CommandLineFlags.parse("--mode", "single", "--db", "default", "--table", "test_table", "--host",
				"10.0.0.1", "--port", "8123", "--user", "default", "--password", "123456", "--s3-policy", "s3_policy",
				"--log-path", "./logs"))
			.containsExactly(entry("migration.mode", "single"), entry("migration.db", "default"),
					entry("migration.table", "test_table"), entry("clickhouse.host", "10.0.0.1"),
					entry("clickhouse.port", "8123"), entry("clickhouse.user", "default"),
					entry("clickhouse.password", "123456"), entry("s3.policy", "s3_policy"),
					entry("logging.file.path", "./logs"));
	}

	@Test
	void equalsFormAndSwitchesAreAccepted() {
		assertThat(CommandLineFlags.parse("--db=x", "--resume", "--keep-source=false", "--insert-interval=0.5"))
			.containsEntry("migration.db", "x")
			.containsEntry("migration.resume", "true")
			.containsEntry("migration.keep-source", "false")
			.containsEntry("migration.insert-interval", "0.5");
	}

	@Test
	void springPropertiesPassThrough() {
		assertThat(CommandLineFlags.parse("--clickhouse.properties.compress=false"))
			.containsEntry("clickhouse.properties.compress", "false");
	}

	@Test
	void unknownFlagIsNamed() {
		assertThatThrownBy(() -> CommandLineFlags.parse("--tabel", "x")).isInstanceOf(MigratorException.class)
			.hasMessage("unknown flag --tabel (see --help)")
			.extracting((ex) -> ((MigratorException) ex).exitCode())
			.isEqualTo(ExitCodes.INVALID);
	}

	@Test
	void badValuesNameTheFlag() {
		assertThatThrownBy(() -> CommandLineFlags.parse("--insert-interval", "-1")).hasMessageStartingWith("--insert-interval must be");
		assertThatThrownBy(() -> CommandLineFlags.parse("--parallelism", "0")).hasMessageStartingWith("--parallelism must be");
		assertThatThrownBy(() -> CommandLineFlags.parse("--max-bytes-per-second", "10MB"))
			.hasMessageStartingWith("--max-bytes-per-second must be a number of bytes");
		assertThatThrownBy(() -> CommandLineFlags.parse("--mode", "both")).hasMessageStartingWith("--mode must be one of single, full");
		assertThatThrownBy(() -> CommandLineFlags.parse("--port", "http")).hasMessageStartingWith("--port must be a port");
		assertThatThrownBy(() -> CommandLineFlags.parse("--db")).hasMessage("--db needs a value");
	}

	@Test
	void statusTakesAnOptionalJobInstanceId() {
		assertThat(CommandLineFlags.parse("--status")).containsEntry("migration.status", "last");
		assertThat(CommandLineFlags.parse("--status", "--json")).containsEntry("migration.status", "last")
			.containsEntry("migration.json", "true");
		assertThat(CommandLineFlags.parse("--status", "7", "--json")).containsEntry("migration.status", "7");
		assertThat(CommandLineFlags.parse("--stop", "7")).containsEntry("migration.stop", "7");
		assertThatThrownBy(() -> CommandLineFlags.parse("--status", "seven"))
			.hasMessageStartingWith("--status must be a JobInstance id, or nothing for the last run");
		assertThatThrownBy(() -> CommandLineFlags.parse("--stop")).hasMessage("--stop needs a value");
	}

	@Test
	void operatorLimitsTakeWholeNumbers() {
		assertThat(CommandLineFlags.parse("--max-parts-in-partition", "0", "--min-free-local-bytes", "1073741824",
				"--max-replica-delay", "30", "--hooks-path", "/etc/hooks", "--hooks-status-interval", "300"))
			.containsEntry("migration.max-parts-in-partition", "0")
			.containsEntry("migration.min-free-local-bytes", "1073741824")
			.containsEntry("migration.max-replica-delay", "30")
			.containsEntry("migration.hooks.path", "/etc/hooks")
			.containsEntry("migration.hooks.status-interval", "300");
		assertThatThrownBy(() -> CommandLineFlags.parse("--max-parts-in-partition", "-1"))
			.hasMessageStartingWith("--max-parts-in-partition must be a whole number");
		assertThatThrownBy(() -> CommandLineFlags.parse("--hooks-status-interval", "0"))
			.hasMessageStartingWith("--hooks-status-interval must be a whole number, 1 or more");
	}

}
