package io.github.chmigrator.lock;

import java.time.Instant;
import java.util.Optional;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The content of a lock file: one small JSON object,
 * {@code {"pid":123,"host":"name","startedAt":"2026-01-01T00:00:00Z","database":"db","table":"t"}}.
 * The reader ignores fields it does not know, so that a newer version's lock is still understood.
 */
final class LockFileContent {

	private static final JsonMapper JSON = JsonMapper.builder()
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.build();

	private LockFileContent() {
	}

	/** The UTF-8 JSON for the given owner of the given table. */
	static byte[] write(LockOwner owner, String database, String table) {
		return JSON.writeValueAsBytes(
				new Content(owner.pid(), owner.host(), owner.startedAt().toString(), database, table));
	}

	/**
	 * The owner written in a lock file.
	 * @return empty when the bytes are not a UTF-8 JSON object with a numeric {@code pid}, a
	 * {@code host} and an ISO-8601 {@code startedAt}
	 */
	static Optional<LockOwner> read(byte[] bytes) {
		try {
			Content content = JSON.readValue(bytes, Content.class);
			if (content.pid() == null || content.host() == null || content.startedAt() == null) {
				return Optional.empty();
			}
			return Optional.of(new LockOwner(content.pid(), content.host(), Instant.parse(content.startedAt())));
		}
		catch (RuntimeException ex) {
			return Optional.empty();
		}
	}

	private record Content(Long pid, String host, String startedAt, String database, String table) {
	}

}
