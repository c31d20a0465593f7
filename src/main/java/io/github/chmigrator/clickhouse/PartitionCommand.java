package io.github.chmigrator.clickhouse;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command of an {@code ALTER TABLE} or a {@code TRUNCATE} that removes rows from a table by
 * partition or by part, read from the text ClickHouse logs ({@code system.query_log.query},
 * formatted or as typed): {@code DROP|DETACH PARTITION}, {@code REPLACE PARTITION … FROM},
 * {@code MOVE PARTITION … TO TABLE}, {@code DROP|DETACH PART}, {@code TRUNCATE}. Other commands
 * (mutations, column changes, attaches, moves to a disk) are not partition removals and are left
 * out.
 *
 * @param kind what the command does
 * @param partition the partition as written ({@code 202401}, {@code ('2024-01-01', 'eu')},
 * {@code ID '202401'}, {@code ALL}), the part name for the part commands, empty for {@code TRUNCATE}
 */
public record PartitionCommand(Kind kind, String partition) {

	/** The partition removals the migrator carries to, or stops for, the partitions it moved. */
	public enum Kind {

		DROP_PARTITION, DETACH_PARTITION, REPLACE_PARTITION, MOVE_PARTITION_TO_TABLE, DROP_PART, DETACH_PART, TRUNCATE;

		/** Whether the command names a part, not a partition. */
		public boolean part() {
			return this == DROP_PART || this == DETACH_PART;
		}

	}

	private static final Pattern TRUNCATE = Pattern.compile("(?is)^TRUNCATE\\b.*");

	private static final Pattern ALTER = Pattern.compile(
			"(?is)^ALTER\\s+TABLE\\s+(?:IF\\s+EXISTS\\s+)?" + name() + "(?:\\s*\\.\\s*" + name() + ")?"
					+ "(?:\\s+ON\\s+CLUSTER\\s+(?:" + name() + "|'(?:[^'\\\\]|\\\\.)*'))?\\s+(.*)$");

	private static final Pattern PARTITION = Pattern.compile("(?is)^(DROP|DETACH)\\s+PARTITION\\s+(.+)$");

	private static final Pattern REPLACE = Pattern.compile("(?is)^REPLACE\\s+PARTITION\\s+(.+)$");

	private static final Pattern MOVE = Pattern.compile("(?is)^MOVE\\s+PARTITION\\s+(.+)$");

	private static final Pattern PART = Pattern.compile("(?is)^(DROP|DETACH)\\s+PART\\s+('.*')$");

	private static final Pattern ID = Pattern.compile("(?is)^ID\\s+('.*')$");

	private static String name() {
		return "(?:`(?:[^`\\\\]|\\\\.)*`|\"(?:[^\"\\\\]|\\\\.)*\"|[A-Za-z_][A-Za-z0-9_]*)";
	}

	/** Whether the command removes every partition ({@code TRUNCATE}, {@code PARTITION ALL}). */
	public boolean all() {
		return this.kind == Kind.TRUNCATE || this.partition.equalsIgnoreCase("ALL");
	}

	/** The partition id when written {@code ID '…'}, else {@code null}. */
	public String partitionId() {
		Matcher id = ID.matcher(this.partition);
		return id.matches() ? unquote(id.group(1)) : null;
	}

	/** The partition removals of one logged statement, in order; none for any other statement. */
	public static List<PartitionCommand> parse(String statement) {
		String text = statement.strip();
		if (TRUNCATE.matcher(text).matches()) {
			return List.of(new PartitionCommand(Kind.TRUNCATE, ""));
		}
		Matcher alter = ALTER.matcher(text);
		if (!alter.matches()) {
			return List.of();
		}
		List<PartitionCommand> commands = new ArrayList<>();
		for (String command : split(alter.group(1).strip(), ',')) {
			PartitionCommand parsed = command(unwrap(command.strip()));
			if (parsed != null) {
				commands.add(parsed);
			}
		}
		return commands;
	}

	private static PartitionCommand command(String command) {
		Matcher matcher = PARTITION.matcher(command);
		if (matcher.matches()) {
			return new PartitionCommand(matcher.group(1).toUpperCase(Locale.ROOT).equals("DROP") ? Kind.DROP_PARTITION
					: Kind.DETACH_PARTITION, matcher.group(2).strip());
		}
		matcher = REPLACE.matcher(command);
		if (matcher.matches()) {
			int from = keyword(matcher.group(1), "FROM");
			return (from < 0) ? null : new PartitionCommand(Kind.REPLACE_PARTITION, matcher.group(1).substring(0, from).strip());
		}
		matcher = MOVE.matcher(command);
		if (matcher.matches()) {
			int to = keyword(matcher.group(1), "TO");
			String rest = (to < 0) ? "" : matcher.group(1).substring(to + 2).strip();
			return rest.regionMatches(true, 0, "TABLE", 0, 5)
					? new PartitionCommand(Kind.MOVE_PARTITION_TO_TABLE, matcher.group(1).substring(0, to).strip()) : null;
		}
		matcher = PART.matcher(command);
		if (matcher.matches()) {
			return new PartitionCommand(matcher.group(1).toUpperCase(Locale.ROOT).equals("DROP") ? Kind.DROP_PART
					: Kind.DETACH_PART, unquote(matcher.group(2)));
		}
		return null;
	}

	/** {@code (DROP PARTITION 1)} as formatted since ClickHouse 24.2/25.2 becomes {@code DROP PARTITION 1}. */
	private static String unwrap(String command) {
		int[] depths = depths(command);
		for (int i = 1; i < command.length(); i++) {
			if (command.charAt(i) == ')' && depths[i] == 1) {
				return (command.charAt(0) == '(' && i == command.length() - 1) ? command.substring(1, i).strip() : command;
			}
		}
		return command;
	}

	/** Splits on a separator outside quotes and brackets. */
	static List<String> split(String text, char separator) {
		List<String> pieces = new ArrayList<>();
		int[] depths = depths(text);
		int start = 0;
		for (int i = 0; i < text.length(); i++) {
			if (depths[i] == 0 && text.charAt(i) == separator) {
				pieces.add(text.substring(start, i));
				start = i + 1;
			}
		}
		pieces.add(text.substring(start));
		return pieces;
	}

	/** Where a keyword stands as a word outside quotes and brackets, or -1. */
	private static int keyword(String text, String word) {
		int[] depths = depths(text);
		for (int i = 0; i + 1 < text.length(); i++) {
			int end = i + 1 + word.length();
			if (depths[i] == 0 && Character.isWhitespace(text.charAt(i)) && text.regionMatches(true, i + 1, word, 0, word.length())
					&& (end == text.length() || Character.isWhitespace(text.charAt(end)))) {
				return i + 1;
			}
		}
		return -1;
	}

	/**
	 * The bracket depth before each character, -1 within a quoted string or name ({@code '…'},
	 * {@code "…"}, {@code `…`}, with {@code \} and doubled-quote escapes).
	 */
	private static int[] depths(String text) {
		int[] depths = new int[text.length()];
		int depth = 0;
		char quote = 0;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (quote != 0) {
				depths[i] = -1;
				if (c == '\\' && i + 1 < text.length()) {
					depths[++i] = -1;
				}
				else if (c == quote && i + 1 < text.length() && text.charAt(i + 1) == quote) {
					depths[++i] = -1;
				}
				else if (c == quote) {
					quote = 0;
				}
				continue;
			}
			depths[i] = depth;
			if (c == '\'' || c == '"' || c == '`') {
				depths[i] = -1;
				quote = c;
			}
			else if (c == '(' || c == '[') {
				depth++;
			}
			else if (c == ')' || c == ']') {
				depth--;
			}
		}
		return depths;
	}

	/** The value of a single-quoted literal ({@code \'} and {@code ''} escapes). */
	private static String unquote(String literal) {
		StringBuilder out = new StringBuilder();
		for (int i = 1; i < literal.length() - 1; i++) {
			char c = literal.charAt(i);
			if (c == '\\' && i + 1 < literal.length() - 1) {
				out.append(literal.charAt(++i));
			}
			else if (c == '\'' && i + 1 < literal.length() - 1 && literal.charAt(i + 1) == '\'') {
				out.append(c);
				i++;
			}
			else {
				out.append(c);
			}
		}
		return out.toString();
	}

}
