package io.github.chmigrator.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/clickhouse-migrator} runs the packaged jar ({@code target/clickhouse-migrator.jar},
 * built before the integration tests): the first launch prepares its class-data archive and still
 * migrates; later launches map that archive ({@code -Xshare:on} fails the JVM if they cannot); exit
 * codes are the jar's; a missing jar is one line and exit 2.
 */
class LauncherIntegrationTests {

	private static final Path LAUNCHER = Path.of("bin", "clickhouse-migrator").toAbsolutePath();

	private static final Path JAR = Path.of("target", "clickhouse-migrator.jar").toAbsolutePath();

	private final ClickHouseStack stack = ClickHouseStack.get();

	private TestDatabase db;

	@TempDir
	Path dir;

	@BeforeEach
	void createTables() {
		this.db = new TestDatabase(this.stack, "it_launcher");
		this.db.createPartitionedTable("first", 3, 300, "");
		this.db.createPartitionedTable("second", 2, 200, "");
	}

	@AfterEach
	void dropDatabase() {
		this.db.close();
	}

	@Test
	void firstLaunchPreparesTheArchiveLaterLaunchesMapIt() throws Exception {
		Migrator migrator = new Migrator(this.stack, this.dir.resolve("work"));
		Path cache = this.dir.resolve("cache");

		Launch first = launch(migrator, cache, "-XX:+UseSerialGC", "--mode", "single", "--s3-policy", "s3", "--db",
				this.db.name(), "--table", "first");

		assertThat(first.exit()).as(first.output()).isEqualTo(ExitCodes.OK);
		assertThat(first.output()).contains("preparing a faster start-up").contains("COMPLETED it_launcher.first");
		assertThat(archives(cache)).hasSize(1);
		assertThat(TableFingerprint.policy(this.db, "first")).isEqualTo("s3");
		assertThat(this.db.count("first")).isEqualTo(300);

		Launch second = launch(migrator, cache, "-XX:+UseSerialGC -Xshare:on", "--mode", "single", "--s3-policy", "s3",
				"--db", this.db.name(), "--table", "second");

		assertThat(second.exit()).as(second.output()).isEqualTo(ExitCodes.OK);
		assertThat(second.output()).doesNotContain("preparing").contains("COMPLETED it_launcher.second");
		assertThat(archives(cache)).hasSize(1);
		assertThat(this.db.count("second")).isEqualTo(200);

		Launch invalid = launch(migrator, cache, "-XX:+UseSerialGC -Xshare:on", "--mode", "single", "--s3-policy", "s3");

		assertThat(invalid.exit()).isEqualTo(ExitCodes.INVALID);
		assertThat(invalid.output()).contains("--db is required");
	}

	@Test
	void missingJarIsOneLineAndExitTwo() throws Exception {
		ProcessBuilder builder = new ProcessBuilder("bash", LAUNCHER.toString(), "--help").redirectErrorStream(true);
		builder.environment().put("CLICKHOUSE_MIGRATOR_JAR", this.dir.resolve("nowhere.jar").toString());

		Launch launch = Launch.of(builder);

		assertThat(launch.exit()).isEqualTo(ExitCodes.INVALID);
		assertThat(launch.output().strip()).startsWith("clickhouse-migrator: no clickhouse-migrator.jar").doesNotContain("\n");
	}

	private Launch launch(Migrator migrator, Path cache, String javaOptions, String... args) throws Exception {
		List<String> command = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
		command.addAll(migrator.arguments(args));
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		builder.environment().putAll(migrator.variables());
		builder.environment().putAll(Map.of("CLICKHOUSE_MIGRATOR_JAR", JAR.toString(), "CLICKHOUSE_MIGRATOR_CACHE",
				cache.toString(), "JAVA_OPTS", javaOptions));
		return Launch.of(builder);
	}

	private static List<Path> archives(Path cache) throws IOException {
		try (Stream<Path> files = Files.walk(cache)) {
			return files.filter((file) -> file.getFileName().toString().equals("app.jsa")).toList();
		}
	}

	record Launch(int exit, String output) {

		static Launch of(ProcessBuilder builder) throws Exception {
			Process process = builder.start();
			String output = new String(process.getInputStream().readAllBytes());
			assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
			return new Launch(process.exitValue(), output);
		}

	}

}
