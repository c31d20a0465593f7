package io.github.chmigrator.clickhouse;

/** A statement ClickHouse rejected, with its error code and the statement (which never holds a secret). */
public class ClickHouseException extends RuntimeException {

	private static final int MAX_SQL_IN_MESSAGE = 300;

	private final int code;

	public ClickHouseException(int code, String summary, String sql, Throwable cause) {
		super(summary + " [" + abbreviate(sql) + "]", cause);
		this.code = code;
	}

	/** The ClickHouse error code, 0 when the failure carried none. */
	public int code() {
		return this.code;
	}

	private static String abbreviate(String sql) {
		String line = sql.replaceAll("\\s+", " ").strip();
		return (line.length() <= MAX_SQL_IN_MESSAGE) ? line : line.substring(0, MAX_SQL_IN_MESSAGE) + "…";
	}

}
