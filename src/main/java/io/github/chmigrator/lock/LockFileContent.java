package io.github.chmigrator.lock;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The content of a lock file: one small JSON object,
 * {@code {"pid":123,"host":"name","startedAt":"2026-01-01T00:00:00Z","database":"db","table":"t"}}.
 * Written and read by hand; the reader accepts any JSON object and ignores fields it does not know.
 */
final class LockFileContent {

	private LockFileContent() {
	}

	/** The UTF-8 JSON for the given owner of the given table. */
	static byte[] write(LockOwner owner, String database, String table) {
		String json = "{\"pid\":" + owner.pid() + ",\"host\":" + quote(owner.host()) + ",\"startedAt\":"
				+ quote(owner.startedAt().toString()) + ",\"database\":" + quote(database) + ",\"table\":"
				+ quote(table) + "}";
		return json.getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * The owner written in a lock file.
	 * @return empty when the bytes are not UTF-8, not a flat JSON object, or lack a valid
	 * {@code pid}, {@code host} or {@code startedAt}
	 */
	static Optional<LockOwner> read(byte[] bytes) {
		try {
			String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
			Map<String, String> fields = new FlatObjectReader(text).read();
			return Optional.of(new LockOwner(Long.parseLong(fields.get("pid")), required(fields, "host"),
					Instant.parse(required(fields, "startedAt"))));
		}
		catch (CharacterCodingException | RuntimeException ex) {
			return Optional.empty();
		}
	}

	private static String required(Map<String, String> fields, String name) {
		String value = fields.get(name);
		if (value == null) {
			throw new IllegalArgumentException("no " + name);
		}
		return value;
	}

	static String quote(String value) {
		StringBuilder out = new StringBuilder(value.length() + 2).append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				case '\n' -> out.append("\\n");
				case '\r' -> out.append("\\r");
				case '\t' -> out.append("\\t");
				default -> out.append((c < 0x20) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
			}
		}
		return out.append('"').toString();
	}

	/**
	 * Reads one JSON object into its fields: strings unescaped, other scalars as written, nested
	 * arrays and objects skipped (as {@code null}). Throws {@link IllegalArgumentException} on
	 * anything that is not JSON.
	 */
	private static final class FlatObjectReader {

		private final String text;

		private int position;

		FlatObjectReader(String text) {
			this.text = text;
		}

		Map<String, String> read() {
			Map<String, String> fields = new HashMap<>();
			expect('{');
			if (!skipIf('}')) {
				do {
					String name = string();
					expect(':');
					fields.put(name, value());
				}
				while (skipIf(','));
				expect('}');
			}
			skipWhitespace();
			if (this.position != this.text.length()) {
				throw new IllegalArgumentException("trailing content");
			}
			return fields;
		}

		private String value() {
			skipWhitespace();
			if (peek() == '"') {
				return string();
			}
			if (peek() == '{' || peek() == '[') {
				skipNested();
				return null;
			}
			int start = this.position;
			while (this.position < this.text.length() && ",}] \t\r\n{[\"".indexOf(peek()) < 0) {
				this.position++;
			}
			if (start == this.position) {
				throw new IllegalArgumentException("value expected at " + start);
			}
			return this.text.substring(start, this.position);
		}

		private void skipNested() {
			int depth = 0;
			do {
				char c = peek();
				if (c == '"') {
					string();
					continue;
				}
				depth += (c == '{' || c == '[') ? 1 : (c == '}' || c == ']') ? -1 : 0;
				this.position++;
			}
			while (depth > 0);
		}

		private String string() {
			expect('"');
			StringBuilder out = new StringBuilder();
			for (char c = next(); c != '"'; c = next()) {
				out.append((c == '\\') ? escaped() : c);
			}
			return out.toString();
		}

		private char escaped() {
			char c = next();
			return switch (c) {
				case 'n' -> '\n';
				case 'r' -> '\r';
				case 't' -> '\t';
				case 'b' -> '\b';
				case 'f' -> '\f';
				case 'u' -> unicodeEscape();
				case '"', '\\', '/' -> c;
				default -> throw new IllegalArgumentException("bad escape \\" + c);
			};
		}

		private char unicodeEscape() {
			if (this.position + 4 > this.text.length()) {
				throw new IllegalArgumentException("truncated \\u escape");
			}
			char c = (char) Integer.parseInt(this.text.substring(this.position, this.position + 4), 16);
			this.position += 4;
			return c;
		}

		private void expect(char expected) {
			skipWhitespace();
			if (next() != expected) {
				throw new IllegalArgumentException("'" + expected + "' expected at " + (this.position - 1));
			}
		}

		private boolean skipIf(char expected) {
			skipWhitespace();
			if (this.position < this.text.length() && peek() == expected) {
				this.position++;
				return true;
			}
			return false;
		}

		private void skipWhitespace() {
			while (this.position < this.text.length() && Character.isWhitespace(peek())) {
				this.position++;
			}
		}

		private char peek() {
			return this.text.charAt(this.position);
		}

		private char next() {
			if (this.position >= this.text.length()) {
				throw new IllegalArgumentException("unexpected end");
			}
			return this.text.charAt(this.position++);
		}

	}

}
