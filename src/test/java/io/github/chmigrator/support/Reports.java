package io.github.chmigrator.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The JSON reports a run wrote under {@code <work dir>/reports}. */
public final class Reports {

	private Reports() {
	}

	/** The latest report of a table ({@code migration_<db>.<table>_<start>_<execution>.json}). */
	public static JsonNode lastTableReport(Path workDir, String database, String table) throws IOException {
		try (Stream<Path> files = Files.list(workDir.resolve("reports"))) {
			Path file = files
				.filter((path) -> path.getFileName().toString().startsWith("migration_" + database + "." + table + "_"))
				.max(Path::compareTo)
				.orElseThrow();
			return new ObjectMapper().readTree(file.toFile());
		}
	}

}
