package io.github.chmigrator.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import io.github.chmigrator.config.MigrationSettings;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

/**
 * The configuration sources in the design's order of precedence (§4.1.2, §7): command line, then
 * the design's environment variables (§7.2), then Spring's own sources (system properties,
 * {@code CLICKHOUSE_HOST}-style variables), then the {@code --config} file, then
 * {@code application.yml}.
 */
public final class MigratorEnvironment {

	/** The design's environment variables and the properties they set. */
	static final Map<String, String> VARIABLES = Map.ofEntries(Map.entry("CH_HOST", "clickhouse.host"),
			Map.entry("CH_PORT", "clickhouse.port"), Map.entry("CH_USER", "clickhouse.user"),
			Map.entry("CH_PASSWORD", "clickhouse.password"), Map.entry("S3_POLICY", "s3.policy"),
			Map.entry("MIGRATION_INSERT_INTERVAL", "migration.insert-interval"),
			Map.entry("MIGRATION_RESUME", "migration.resume"), Map.entry("LOG_LEVEL", "logging.level.io.github.chmigrator"),
			Map.entry("LOG_PATH", "logging.file.path"), Map.entry("REPORT_PATH", "report.path"),
			Map.entry("MIGRATION_MAX_BYTES_PER_SECOND", "migration.max-bytes-per-second"),
			Map.entry("MIGRATION_FREE_LOCAL_PER_PARTITION", "migration.free-local-per-partition"));

	/** Where the embedded JobRepository and the lock files live (default {@code ./data}). */
	static final String HOME = "migrator.home";

	private MigratorEnvironment() {
	}

	public static StandardEnvironment create(Map<String, Object> commandLine, Map<String, String> variables) {
		StandardEnvironment environment = new StandardEnvironment();
		commandLine = withAbsoluteHome(commandLine);
		var sources = environment.getPropertySources();
		sources.addFirst(new MapPropertySource("migratorCommandLine", commandLine));
		sources.addAfter("migratorCommandLine", new MapPropertySource("migratorEnvironmentVariables", fromVariables(variables)));
		Object configFile = commandLine.get(ConfigFile.PROPERTY);
		if (configFile != null) {
			Map<String, Object> fileProperties = ConfigFile.load(Path.of(configFile.toString()));
			sources.addLast(new MapPropertySource("migratorConfigFile", fileProperties));
			requireResolvable(environment, configFile.toString(), fileProperties);
		}
		return environment;
	}

	/**
	 * Rejects impossible settings before anything starts (no JobRepository opened, no connection
	 * made). Skipped when a Spring {@code application.*} file in the working directory may still
	 * supply settings; they are validated again once the application has started.
	 */
	public static void validateBeforeStart(ConfigurableEnvironment environment) {
		for (String file : List.of("application.yml", "application.yaml", "application.properties", "config")) {
			if (Files.exists(Path.of(file))) {
				return;
			}
		}
		MigrationSettings settings;
		try {
			settings = Binder.get(environment).bindOrCreate("migration", MigrationSettings.class);
		}
		catch (BindException ex) {
			throw invalidValue(ex);
		}
		settings.validate();
	}

	/** The one-line answer to a setting whose value does not fit (e.g. a port that is not a number). */
	public static MigratorException invalidValue(BindException failure) {
		Object name = (failure.getProperty() != null) ? failure.getProperty().getName() : failure.getName();
		return new MigratorException(ExitCodes.INVALID, "invalid value for " + name + ": "
				+ ((failure.getCause() != null) ? failure.getCause().getMessage() : failure.getMessage()));
	}

	/** A {@code ${VARIABLE}} in the config file that nothing defines is an error, not a literal value. */
	private static void requireResolvable(StandardEnvironment environment, String file, Map<String, Object> properties) {
		properties.forEach((name, value) -> {
			try {
				environment.resolveRequiredPlaceholders(String.valueOf(value));
			}
			catch (IllegalArgumentException ex) {
				throw new MigratorException(ExitCodes.INVALID, "--config " + file + ": " + name
						+ " refers to a variable that is not set (" + ex.getMessage().replaceAll("\\s+in value.*$", "") + ")");
			}
		});
	}

	/** H2 refuses relative paths that do not start with {@code ./}: make {@code migrator.home} absolute. */
	private static Map<String, Object> withAbsoluteHome(Map<String, Object> commandLine) {
		Object home = commandLine.get(HOME);
		if (home == null) {
			return commandLine;
		}
		Map<String, Object> properties = new LinkedHashMap<>(commandLine);
		properties.put(HOME, Path.of(home.toString()).toAbsolutePath().normalize().toString());
		return properties;
	}

	static Map<String, Object> fromVariables(Map<String, String> variables) {
		Map<String, Object> properties = new LinkedHashMap<>();
		VARIABLES.forEach((variable, property) -> {
			String value = variables.get(variable);
			if (value != null && !value.isEmpty()) {
				properties.put(property, variable.equals("LOG_LEVEL") ? normalizeLevel(value) : value);
			}
		});
		return properties;
	}

	/** The design's levels as logback knows them: {@code warning} is {@code warn}. */
	static String normalizeLevel(String level) {
		String lower = level.strip().toLowerCase();
		return lower.equals("warning") ? "warn" : lower;
	}

}
