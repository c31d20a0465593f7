package io.github.chmigrator.migration;

import java.util.Optional;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The marker the migrator writes into the table {@code COMMENT} of its work table, so that
 * ClickHouse itself says whose table it is: a rerun that lost its JobRepository or working
 * directory decides from the server alone (a work table with this marker for the same source
 * table was made by the migrator and holds only copies of the source's rows while the source is
 * not swapped; a table of that name without it is someone else's and is never touched). The
 * exchange carries the marker to the live table; the cut-over then puts the user's own comment
 * back.
 *
 * @param source the source table, {@code database.table}
 * @param sourceUuid the source table's UUID ({@code 00000000-…} in Ordinary databases)
 * @param jobInstance the job instance that made the table
 * @param wholeSource whether that run kept the source whole (the default): then the table holds only
 * copies of rows the source still has, and may be dropped by a rerun that cannot account for it;
 * not after {@code --free-local-per-partition}, whose work table holds rows that exist nowhere else
 */
public record WorkTableMarker(String source, String sourceUuid, long jobInstance, boolean wholeSource) {

	static final String PREFIX = "clickhouse-migrator work table ";

	private static final JsonMapper JSON = JsonMapper.builder()
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.build();

	/** The comment text: a fixed prefix, then the fields as JSON. */
	public String comment() {
		return PREFIX + JSON.writeValueAsString(this);
	}

	/** The marker a comment holds; empty for any other comment. */
	public static Optional<WorkTableMarker> of(String comment) {
		if (comment == null || !comment.startsWith(PREFIX)) {
			return Optional.empty();
		}
		try {
			return Optional.of(JSON.readValue(comment.substring(PREFIX.length()), WorkTableMarker.class));
		}
		catch (JacksonException ex) {
			return Optional.empty();
		}
	}

	/** Whether this marker names the given source table (by name and UUID). */
	public boolean marks(String qualifiedSource, String uuid) {
		return this.source.equals(qualifiedSource) && this.sourceUuid.equals(uuid);
	}

}
