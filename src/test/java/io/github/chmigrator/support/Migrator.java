package io.github.chmigrator.support;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.chmigrator.ClickhouseMigratorApplication;

/**
 * Runs {@code clickhouse-migrator} in this JVM against the test stack, the way an operator would:
 * design flags on the command line, the password in {@code CH_PASSWORD}, a work directory for the
 * H2 JobRepository and the reports.
 */
public final class Migrator {

	private final ClickHouseStack stack;

	private final Path workDir;

	private final Map<String, String> variables = new HashMap<>();

	public Migrator(ClickHouseStack stack, Path workDir) {
		this.stack = stack;
		this.workDir = workDir;
		this.variables.put("CH_PASSWORD", stack.password());
	}

	public Migrator withVariable(String name, String value) {
		this.variables.put(name, value);
		return this;
	}

	/** The work directory: {@code data/} holds the JobRepository, {@code reports/} the reports. */
	public Path workDir() {
		return this.workDir;
	}

	/** Runs with the stack's host, port and driver properties, then the given arguments. */
	public int run(String... args) {
		return ClickhouseMigratorApplication.run(variables(), arguments(args).toArray(String[]::new));
	}

	/** Runs on one table ({@code --db}, {@code --table}), then the given arguments. */
	public int runTable(TestDatabase db, String table, String... more) {
		List<String> args = new ArrayList<>(List.of("--db", db.name(), "--table", table));
		args.addAll(List.of(more));
		return run(args.toArray(String[]::new));
	}

	/**
	 * The whole command line {@link #run} passes: the stack's host, port and driver properties,
	 * the work directory, then the given arguments (later flags override earlier ones).
	 */
	public List<String> arguments(String... args) {
		List<String> all = new ArrayList<>(List.of("--host", this.stack.host(), "--port", Integer.toString(this.stack.port()),
				"--user", this.stack.user(), "--migrator.home=" + this.workDir.resolve("data"),
				"--report-path=" + this.workDir.resolve("reports"), "--log-path=" + this.workDir.resolve("logs"),
				"--clickhouse.retry-delay=100ms",
				"--insert-interval", "0"));
		this.stack.driverProperties().forEach((name, value) -> all.add("--clickhouse.properties." + name + "=" + value));
		all.addAll(List.of(args));
		return List.copyOf(all);
	}

	/** The environment variables {@link #run} passes (the password is one of them). */
	public Map<String, String> variables() {
		return Map.copyOf(this.variables);
	}

	/**
	 * The same command in a separate JVM ({@code java -cp <this classpath> <main class>}), its
	 * environment this process's plus {@link #variables()}, its output (stdout and stderr) to the
	 * given file. The caller starts it.
	 */
	public ProcessBuilder separateJvm(Path output, String... args) {
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-cp", System.getProperty("java.class.path"), ClickhouseMigratorApplication.class.getName()));
		command.addAll(arguments(args));
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
		builder.environment().putAll(variables());
		return builder;
	}

}
