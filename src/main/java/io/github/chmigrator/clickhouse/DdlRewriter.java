package io.github.chmigrator.clickhouse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Rewrites the {@code CREATE TABLE} statement ClickHouse reports for a table (either
 * {@code system.tables.create_table_query} or the formatted output of {@code SHOW CREATE TABLE})
 * so that it creates a copy of the table under another name on another storage policy.
 * <p>
 * The statement is split by a small tokenizer that knows about string literals, quoted
 * identifiers, comments and bracket depth, so the words {@code SETTINGS} and {@code COMMENT}
 * are only recognised as the table-level clauses when they really are. Everything that is not
 * rewritten is kept byte for byte.
 */
public final class DdlRewriter {

	private static final String PLACEHOLDER = "_";

	private static final String STORAGE_POLICY = "storage_policy";

	private static final String DISK = "disk";

	private DdlRewriter() {
	}

	/**
	 * Return the statement with the table renamed to {@code database.newTable}, any
	 * {@code UUID '...'} clause dropped, any {@code disk} setting removed and the
	 * {@code storage_policy} setting set to the given policy.
	 * @param createTableQuery the statement as ClickHouse prints it
	 * @param database the database of the new table
	 * @param newTable the name of the new table
	 * @param storagePolicy the storage policy of the new table
	 * @return the rewritten statement
	 * @throws IllegalArgumentException if the statement is not a {@code CREATE TABLE} statement
	 * that can be parsed
	 */
	public static String retarget(String createTableQuery, String database, String newTable, String storagePolicy) {
		return retarget(createTableQuery, database, newTable, null, storagePolicy);
	}

	/**
	 * {@link #retarget(String, String, String, String)}, the new table created with the given
	 * {@code UUID} (Atomic databases), so that it can be recognised later.
	 * @param uuid the new table's UUID, {@code null} for none
	 */
	public static String retarget(String createTableQuery, String database, String newTable, String uuid,
			String storagePolicy) {
		return retarget(createTableQuery, database, newTable, uuid, storagePolicy, null);
	}

	/**
	 * {@link #retarget(String, String, String, String, String)} with the table {@code COMMENT} set to
	 * the given text (the migrator's marker on its own tables) instead of the source's.
	 * @param comment the new table's comment, {@code null} to keep the source's
	 */
	public static String retarget(String createTableQuery, String database, String newTable, String uuid,
			String storagePolicy, String comment) {
		Objects.requireNonNull(storagePolicy, "storagePolicy must not be null");
		String policy = STORAGE_POLICY + " = " + Sql.literal(storagePolicy);
		String name = Sql.qualified(database, newTable) + ((uuid != null) ? " UUID " + Sql.literal(uuid) : "");
		Statement statement = Statement.parse(createTableQuery);
		return statement.rewrite(name, policy, (comment != null) ? statement.commentEdit(" COMMENT " + Sql.literal(comment)) : null);
	}

	/**
	 * The table {@code COMMENT} of a statement as ClickHouse prints it, unquoted; empty without one.
	 * @throws IllegalArgumentException if the statement cannot be parsed
	 */
	public static String comment(String createTableQuery) {
		Statement statement = Statement.parse(createTableQuery);
		if (statement.commentStart < 0) {
			return "";
		}
		String literal = createTableQuery.substring(statement.commentValueStart, statement.commentEnd);
		return unquote(literal);
	}

	private static String unquote(String literal) {
		StringBuilder out = new StringBuilder(literal.length());
		for (int i = 1; i < literal.length() - 1; i++) {
			char c = literal.charAt(i);
			if (c == '\\' && i + 1 < literal.length() - 1) {
				char next = literal.charAt(++i);
				out.append(switch (next) {
					case 'n' -> '\n';
					case 't' -> '\t';
					case 'r' -> '\r';
					case '0' -> '\0';
					default -> next;
				});
			}
			else {
				out.append(c);
			}
		}
		return out.toString();
	}

	/**
	 * Return a canonical form of the statement for comparing two table definitions: the
	 * table name and UUID become {@code _}, the {@code storage_policy} and {@code disk}
	 * settings are removed (and the {@code SETTINGS} clause with them when nothing else is
	 * left), the table {@code COMMENT} is removed (the migrator marks its own tables there), and
	 * whitespace outside literals and identifiers is collapsed.
	 * @param createTableQuery the statement as ClickHouse prints it
	 * @return the canonical form
	 * @throws IllegalArgumentException if the statement cannot be parsed
	 */
	public static String normalize(String createTableQuery) {
		Statement statement = Statement.parse(createTableQuery);
		String stripped = statement.rewrite(PLACEHOLDER, null, statement.commentEdit(""));
		return collapse(stripped, Tokenizer.tokenize(stripped));
	}

	/**
	 * Return the raw text of the value of a table-level setting.
	 * @param createTableQuery the statement as ClickHouse prints it
	 * @param name the setting name (case-insensitive)
	 * @return the value as written, for example {@code 's3'} or {@code 8192}, or
	 * {@code null} when the setting is absent
	 * @throws IllegalArgumentException if the statement cannot be parsed
	 */
	public static String settingsValue(String createTableQuery, String name) {
		Statement statement = Statement.parse(createTableQuery);
		for (Setting setting : statement.settings) {
			if (setting.name.equalsIgnoreCase(name)) {
				return statement.sql.substring(setting.valueStart, setting.end);
			}
		}
		return null;
	}

	private static String collapse(String sql, List<Token> tokens) {
		StringBuilder out = new StringBuilder(sql.length());
		Token previous = null;
		boolean gap = false;
		for (Token token : tokens) {
			if (token.isTrivia()) {
				gap = true;
				continue;
			}
			if (previous != null && gap && needsSpace(previous, token)) {
				out.append(' ');
			}
			out.append(canonical(token.text(sql), token));
			previous = token;
			gap = false;
		}
		return out.toString();
	}

	private static boolean needsSpace(Token previous, Token next) {
		return previous.kind != Kind.OPEN && next.kind != Kind.CLOSE && !next.isPunct(',');
	}

	private static String canonical(String text, Token token) {
		if (token.kind != Kind.IDENTIFIER || text.charAt(0) != '`') {
			return text;
		}
		StringBuilder out = new StringBuilder(text.length());
		out.append('`');
		for (int i = 1; i < text.length() - 1; i++) {
			char c = text.charAt(i);
			if (c == '\\' || c == '`') {
				out.append('\\');
				c = text.charAt(++i);
			}
			out.append(c);
		}
		return out.append('`').toString();
	}

	/**
	 * The parts of a {@code CREATE TABLE} statement that get rewritten.
	 */
	private static final class Statement {

		final String sql;

		final int nameStart;

		final int headEnd;

		final int clauseStart;

		final List<Setting> settings;

		final int insertAt;

		/** Where the table {@code COMMENT} clause starts (its space before), its value starts and it ends; -1 without one. */
		int commentStart = -1;

		int commentValueStart = -1;

		int commentEnd = -1;

		private Statement(String sql, int nameStart, int headEnd, int clauseStart, List<Setting> settings,
				int insertAt) {
			this.sql = sql;
			this.nameStart = nameStart;
			this.headEnd = headEnd;
			this.clauseStart = clauseStart;
			this.settings = settings;
			this.insertAt = insertAt;
		}

		/** Replaces the table's {@code COMMENT} clause (or adds one) with the given text. */
		Edit commentEdit(String text) {
			return (this.commentStart >= 0) ? new Edit(this.commentStart, this.commentEnd, text)
					: new Edit(this.insertAt, this.insertAt, text);
		}

		static Statement parse(String sql) {
			Objects.requireNonNull(sql, "createTableQuery must not be null");
			return new Parser(sql, Tokenizer.tokenize(sql)).parse();
		}

		/**
		 * Rewrite the statement.
		 * @param name the replacement for the table name and UUID clause
		 * @param policy the {@code storage_policy = '...'} setting to put in place, or
		 * {@code null} to remove {@code storage_policy} and {@code disk} altogether
		 */
		String rewrite(String name, String policy, Edit comment) {
			List<Edit> edits = new ArrayList<>();
			edits.add(new Edit(this.nameStart, this.headEnd, name));
			Edit settingsEdit = settingsEdit(policy);
			if (settingsEdit != null) {
				edits.add(settingsEdit);
			}
			if (comment != null) {
				edits.add(comment);
			}
			return apply(edits);
		}

		private Edit settingsEdit(String policy) {
			if (this.settings.isEmpty()) {
				return (policy != null) ? new Edit(this.insertAt, this.insertAt, " SETTINGS " + policy) : null;
			}
			Setting target = (policy != null) ? target() : null;
			StringBuilder text = new StringBuilder();
			for (int i = 0; i < this.settings.size(); i++) {
				Setting setting = this.settings.get(i);
				if (setting != target && setting.isPlacement()) {
					continue;
				}
				if (!text.isEmpty()) {
					text.append(this.sql, this.settings.get(i - 1).end, setting.start);
				}
				text.append((setting == target) ? policy : this.sql.substring(setting.start, setting.end));
			}
			return settingsEdit(text, target, policy);
		}

		private Edit settingsEdit(StringBuilder text, Setting target, String policy) {
			int end = this.settings.get(this.settings.size() - 1).end;
			if (policy != null && target == null) {
				text.append(text.isEmpty() ? "" : ", ").append(policy);
			}
			if (text.isEmpty()) {
				return new Edit(this.clauseStart, end, "");
			}
			return new Edit(this.settings.get(0).start, end, text.toString());
		}

		private Setting target() {
			Setting disk = null;
			for (Setting setting : this.settings) {
				if (setting.name.equalsIgnoreCase(STORAGE_POLICY)) {
					return setting;
				}
				if (disk == null && setting.name.equalsIgnoreCase(DISK)) {
					disk = setting;
				}
			}
			return disk;
		}

		private String apply(List<Edit> edits) {
			edits.sort(Comparator.comparingInt(Edit::start));
			StringBuilder out = new StringBuilder(this.sql.length() + 64);
			int position = 0;
			for (Edit edit : edits) {
				out.append(this.sql, position, edit.start).append(edit.text);
				position = edit.end;
			}
			return out.append(this.sql, position, this.sql.length()).toString();
		}

	}

	/**
	 * Finds the table name, the UUID clause, the table-level {@code SETTINGS} clause and
	 * the trailing table {@code COMMENT} in the significant tokens of a statement.
	 */
	private static final class Parser {

		private final String sql;

		private final List<Token> tokens;

		private int index;

		Parser(String sql, List<Token> all) {
			this.sql = sql;
			this.tokens = all.stream().filter((token) -> !token.isTrivia()).toList();
		}

		Statement parse() {
			if (!word(0, "CREATE") || !word(1, "TABLE")) {
				throw fail("it does not start with CREATE TABLE");
			}
			this.index = (word(2, "IF") && word(3, "NOT") && word(4, "EXISTS")) ? 5 : 2;
			int nameStart = at(this.index).start;
			qualifiedName();
			int headEnd = this.tokens.get(this.index - 1).end;
			if (word(this.index, "UUID") && kind(this.index + 1) == Kind.STRING) {
				headEnd = at(this.index + 1).end;
				this.index += 2;
			}
			if (this.index >= this.tokens.size()) {
				throw fail("there is nothing after the table name");
			}
			return body(nameStart, headEnd);
		}

		private Statement body(int nameStart, int headEnd) {
			int last = lastSignificant();
			int comment = (last > this.index && word(last - 1, "COMMENT") && kind(last) == Kind.STRING
					&& at(last - 1).depth == 0) ? last - 1 : -1;
			int limit = (comment >= 0) ? comment : last + 1;
			int insertAt = this.tokens.get(limit - 1).end;
			int keyword = settingsKeyword(limit);
			Statement statement = (keyword < 0) ? new Statement(this.sql, nameStart, headEnd, insertAt, List.of(), insertAt)
					: new Statement(this.sql, nameStart, headEnd, at(keyword - 1).end, settings(keyword + 1, limit), insertAt);
			if (comment >= 0) {
				statement.commentStart = insertAt;
				statement.commentValueStart = at(comment + 1).start;
				statement.commentEnd = at(comment + 1).end;
			}
			return statement;
		}

		private void qualifiedName() {
			identifier();
			if (this.index < this.tokens.size() && at(this.index).isPunct('.')) {
				this.index++;
				identifier();
			}
		}

		private void identifier() {
			if (!isName(this.index)) {
				throw fail("expected a table name at offset " + offset(this.index));
			}
			this.index++;
		}

		private int lastSignificant() {
			int last = this.tokens.size() - 1;
			while (last > this.index && at(last).isPunct(';') && at(last).depth == 0) {
				last--;
			}
			return last;
		}

		private int settingsKeyword(int limit) {
			for (int i = this.index; i < limit; i++) {
				if (at(i).depth == 0 && word(i, "SETTINGS") && isName(i + 1) && i + 2 < limit
						&& at(i + 2).isPunct('=')) {
					return i;
				}
			}
			return -1;
		}

		private List<Setting> settings(int from, int limit) {
			List<Setting> settings = new ArrayList<>();
			int i = from;
			while (true) {
				if (!isName(i) || i + 2 >= limit || !at(i + 1).isPunct('=') || at(i + 1).depth != 0) {
					throw fail("malformed SETTINGS clause at offset " + offset(i));
				}
				int end = valueEnd(i + 2, limit);
				settings.add(new Setting(name(at(i)), at(i).start, at(i + 2).start, at(end - 1).end));
				if (end >= limit || !at(end).isPunct(',')) {
					break;
				}
				i = end + 1;
			}
			return settings;
		}

		private int valueEnd(int from, int limit) {
			int i = from;
			while (i < limit && !(at(i).depth == 0 && (at(i).isPunct(',') || word(i, "AS")))) {
				i++;
			}
			if (i == from) {
				throw fail("a setting without a value at offset " + offset(from));
			}
			return i;
		}

		private String name(Token token) {
			String text = token.text(this.sql);
			return (token.kind == Kind.IDENTIFIER) ? text.substring(1, text.length() - 1) : text;
		}

		private boolean isName(int i) {
			Kind kind = kind(i);
			return kind == Kind.WORD || kind == Kind.IDENTIFIER;
		}

		private boolean word(int i, String keyword) {
			return kind(i) == Kind.WORD && at(i).text(this.sql).equalsIgnoreCase(keyword);
		}

		private Kind kind(int i) {
			return (i >= 0 && i < this.tokens.size()) ? at(i).kind : null;
		}

		private Token at(int i) {
			if (i >= this.tokens.size()) {
				throw fail("it ends unexpectedly");
			}
			return this.tokens.get(i);
		}

		private int offset(int i) {
			return (i < this.tokens.size()) ? this.tokens.get(i).start : this.sql.length();
		}

		private IllegalArgumentException fail(String reason) {
			return DdlRewriter.fail(this.sql, reason);
		}

	}

	/**
	 * Splits a statement into tokens, each with the bracket depth it sits at.
	 */
	private static final class Tokenizer {

		private final String sql;

		private final List<Token> tokens = new ArrayList<>();

		private int position;

		private int depth;

		private Tokenizer(String sql) {
			this.sql = sql;
		}

		static List<Token> tokenize(String sql) {
			Tokenizer tokenizer = new Tokenizer(sql);
			while (tokenizer.position < sql.length()) {
				tokenizer.next();
			}
			if (tokenizer.depth != 0) {
				throw fail(sql, "unbalanced brackets");
			}
			return tokenizer.tokens;
		}

		private void next() {
			char c = this.sql.charAt(this.position);
			if (Character.isWhitespace(c)) {
				add(Kind.SPACE, whitespaceEnd());
			}
			else if (this.sql.startsWith("--", this.position)) {
				add(Kind.COMMENT, lineEnd());
			}
			else if (this.sql.startsWith("/*", this.position)) {
				add(Kind.COMMENT, blockCommentEnd());
			}
			else if (c == '\'') {
				add(Kind.STRING, quotedEnd(c));
			}
			else if (c == '`' || c == '"') {
				add(Kind.IDENTIFIER, quotedEnd(c));
			}
			else if (isWordChar(c)) {
				add(Kind.WORD, wordEnd());
			}
			else {
				bracketOrPunct(c);
			}
		}

		private void bracketOrPunct(char c) {
			if (c == '(' || c == '[' || c == '{') {
				add(Kind.OPEN, this.position + 1);
				this.depth++;
			}
			else if (c == ')' || c == ']' || c == '}') {
				if (--this.depth < 0) {
					throw fail(this.sql, "unbalanced brackets at offset " + this.position);
				}
				add(Kind.CLOSE, this.position + 1);
			}
			else {
				add(Kind.PUNCT, this.position + 1);
			}
		}

		private void add(Kind kind, int end) {
			this.tokens.add(new Token(kind, this.position, end, this.depth, this.sql.charAt(this.position)));
			this.position = end;
		}

		private int whitespaceEnd() {
			int i = this.position;
			while (i < this.sql.length() && Character.isWhitespace(this.sql.charAt(i))) {
				i++;
			}
			return i;
		}

		private int wordEnd() {
			int i = this.position;
			while (i < this.sql.length() && isWordChar(this.sql.charAt(i))) {
				i++;
			}
			return i;
		}

		private int lineEnd() {
			int newline = this.sql.indexOf('\n', this.position);
			return (newline >= 0) ? newline : this.sql.length();
		}

		private int blockCommentEnd() {
			int close = this.sql.indexOf("*/", this.position + 2);
			if (close < 0) {
				throw fail(this.sql, "unterminated comment at offset " + this.position);
			}
			return close + 2;
		}

		/**
		 * The end of a quoted string or identifier, which may escape its quote as
		 * {@code \'} or by doubling it.
		 */
		private int quotedEnd(char quote) {
			int i = this.position + 1;
			while (i < this.sql.length()) {
				char c = this.sql.charAt(i);
				if (c == '\\') {
					i += 2;
				}
				else if (c != quote) {
					i++;
				}
				else if (i + 1 < this.sql.length() && this.sql.charAt(i + 1) == quote) {
					i += 2;
				}
				else {
					return i + 1;
				}
			}
			throw fail(this.sql, "unterminated " + quote + " quote at offset " + this.position);
		}

		private static boolean isWordChar(char c) {
			return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c >= 0x80;
		}

	}

	private static IllegalArgumentException fail(String sql, String reason) {
		String shown = (sql.length() > 120) ? sql.substring(0, 120) + "..." : sql;
		return new IllegalArgumentException("Cannot parse CREATE TABLE statement (" + reason + "): " + shown);
	}

	private enum Kind {

		SPACE, COMMENT, WORD, STRING, IDENTIFIER, OPEN, CLOSE, PUNCT

	}

	private record Token(Kind kind, int start, int end, int depth, char first) {

		boolean isTrivia() {
			return this.kind == Kind.SPACE || this.kind == Kind.COMMENT;
		}

		boolean isPunct(char symbol) {
			return this.kind == Kind.PUNCT && this.first == symbol;
		}

		String text(String sql) {
			return sql.substring(this.start, this.end);
		}

	}

	private record Setting(String name, int start, int valueStart, int end) {

		boolean isPlacement() {
			return this.name.equalsIgnoreCase(STORAGE_POLICY) || this.name.equalsIgnoreCase(DISK);
		}

	}

	private record Edit(int start, int end, String text) {

	}

}
