package io.github.chmigrator.clickhouse;

import java.util.Collection;
import java.util.stream.Collectors;

/**
 * Quoting for the SQL the migrator writes. Every identifier and every string literal that reaches
 * ClickHouse goes through here, so names with quotes, backticks, backslashes or unicode are safe.
 */
public final class Sql {

	/**
	 * The {@code system.parts} condition for data parts: patch parts of lightweight {@code UPDATE}s
	 * live in partitions of their own, {@code patch-<hash>-<partition id>}, which no data partition
	 * id can look like (ids are numbers, dates, hashes, joined with {@code -}).
	 */
	public static final String DATA_PARTS = "NOT startsWith(partition_id, 'patch-')";

	private Sql() {
	}

	/** A backtick-quoted identifier: {@code my`table} becomes {@code `my\`table`}. */
	public static String identifier(String name) {
		if (name == null || name.isEmpty()) {
			throw new IllegalArgumentException("an identifier cannot be empty");
		}
		return '`' + escape(name, '`') + '`';
	}

	/** {@code `database`.`table`}. */
	public static String qualified(String database, String table) {
		return identifier(database) + '.' + identifier(table);
	}

	/** A single-quoted string literal: {@code it's} becomes {@code 'it\'s'}. */
	/** String literals, comma-separated: the inside of {@code IN (…)}. */
	public static String literals(Collection<String> values) {
		return values.stream().map(Sql::literal).collect(Collectors.joining(", "));
	}

	public static String literal(String value) {
		return '\'' + escape(value, '\'') + '\'';
	}

	private static String escape(String value, char quote) {
		StringBuilder out = new StringBuilder(value.length() + 8);
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c == '\\' || c == quote) {
				out.append('\\').append(c);
			}
			else if (c == '\0') {
				out.append("\\0");
			}
			else {
				out.append(c);
			}
		}
		return out.toString();
	}

}
