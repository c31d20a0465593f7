package io.github.chmigrator.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.FileSystemResource;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

/**
 * The design's {@code config.yaml} (§7.1), read as it is. Its keys bind directly
 * ({@code migration.insert_interval} is {@code migration.insert-interval} to Spring) except the
 * two logging keys, which the design writes as scalars: {@code logging.level: info} becomes the
 * migrator's log level and {@code logging.path} the log directory.
 */
public final class ConfigFile {

	/** The property that names the file ({@code --config}). */
	public static final String PROPERTY = "migrator.config";

	private ConfigFile() {
	}

	public static Map<String, Object> load(Path file) {
		if (!Files.isReadable(file)) {
			throw new MigratorException(ExitCodes.INVALID, "--config " + file + ": no such readable file");
		}
		try {
			Map<String, Object> properties = new LinkedHashMap<>();
			for (PropertySource<?> source : new YamlPropertySourceLoader().load(file.toString(),
					new FileSystemResource(file))) {
				EnumerablePropertySource<?> enumerable = (EnumerablePropertySource<?>) source;
				for (String name : enumerable.getPropertyNames()) {
					String value = String.valueOf(enumerable.getProperty(name));
					properties.put(translate(name), name.equals("logging.level") ? MigratorEnvironment.normalizeLevel(value) : value);
				}
			}
			return properties;
		}
		catch (IOException | RuntimeException ex) {
			throw new MigratorException(ExitCodes.INVALID,
					"--config " + file + ": not a valid YAML file (" + firstLine(ex.getMessage()) + ")");
		}
	}

	static String translate(String name) {
		return switch (name) {
			case "logging.level" -> "logging.level.io.github.chmigrator";
			case "logging.path" -> "logging.file.path";
			default -> name;
		};
	}

	private static String firstLine(String message) {
		if (message == null) {
			return "unreadable";
		}
		int newline = message.indexOf('\n');
		return (newline < 0) ? message : message.substring(0, newline);
	}

}
