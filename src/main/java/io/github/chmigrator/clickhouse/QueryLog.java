package io.github.chmigrator.clickhouse;

import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server's {@code system.query_log} says others did to a table: the one trace of an
 * {@code ALTER TABLE … DROP PARTITION} or {@code TRUNCATE} on a partition that holds no part
 * (ClickHouse allocates no block number, writes no part and no mutation for it). The migrator's own
 * statements carry {@code log_comment = 'clickhouse-migrator'} and are left out.
 */
public class QueryLog {

	/**
	 * A statement that finished on the table.
	 *
	 * @param queryId its {@code query_id}
	 * @param startMicros when it started, server clock, microseconds since the epoch
	 * @param finishMicros when it finished, likewise
	 * @param query its text, formatted by the server when it can ({@code formatQuerySingleLineOrNull})
	 */
	public record Statement(String queryId, long startMicros, long finishMicros, String query) {

		/** Whether it is a lightweight {@code UPDATE} (patch parts; not a mutation). */
		public boolean update() {
			return this.query.stripLeading().regionMatches(true, 0, "UPDATE ", 0, 7);
		}

	}

	private static final int UNKNOWN_FUNCTION = 46;

	private static final int ACCESS_DENIED = 497;

	private static final Logger logger = LoggerFactory.getLogger(QueryLog.class);

	private final ClickHouseClient client;

	public QueryLog(ClickHouseClient client) {
		this.client = client;
	}

	/**
	 * The ALTER, TRUNCATE and lightweight UPDATE statements that others ran on a table and that finished since the given
	 * server time, oldest first, after {@code SYSTEM FLUSH LOGS} (which waits until what was logged
	 * before it is in the table). Empty when the server keeps no query log or the user may not read it.
	 */
	public Optional<List<Statement>> statementsOn(String database, String table, long sinceMicros) {
		try {
			this.client.execute("SYSTEM FLUSH LOGS");
		}
		catch (ClickHouseException ex) {
			// without the SYSTEM FLUSH LOGS grant the log lags by its flush interval (7.5 s by default)
			logger.debug("SYSTEM FLUSH LOGS refused: {}", ex.getMessage());
		}
		boolean exists = this.client.queryFirst(
				"SELECT count() FROM system.tables WHERE database = 'system' AND name = 'query_log'",
				(row) -> row.getLong(1) > 0).orElse(false);
		if (!exists) {
			return Optional.empty();
		}
		try {
			return Optional.of(statements(database, table, sinceMicros, "ifNull(formatQuerySingleLineOrNull(query), query)"));
		}
		catch (ClickHouseException ex) {
			if (ex.code() == ACCESS_DENIED) {
				logger.debug("system.query_log not readable: {}", ex.getMessage());
				return Optional.empty();
			}
			if (ex.code() != UNKNOWN_FUNCTION) {
				throw ex;
			}
			// servers before formatQuerySingleLineOrNull: the text as typed, which PartitionCommand also reads
			return Optional.of(statements(database, table, sinceMicros, "query"));
		}
	}

	private List<Statement> statements(String database, String table, long sinceMicros, String text) {
		return this.client.query("""
				SELECT query_id, toUnixTimestamp64Micro(query_start_time_microseconds),
				       toUnixTimestamp64Micro(event_time_microseconds), %5$s
				FROM system.query_log
				WHERE event_date >= toDate(fromUnixTimestamp64Micro(toInt64(%1$d)))
				  AND event_time_microseconds >= fromUnixTimestamp64Micro(toInt64(%1$d))
				  AND type = 'QueryFinish' AND query_kind IN ('Alter', 'Drop', 'Update')
				  AND hasAny(tables, [%2$s, %3$s])
				  AND log_comment != %4$s
				ORDER BY event_time_microseconds""".formatted(sinceMicros,
				Sql.literal(database + "." + table), Sql.literal(quotedIfNeeded(database) + "." + quotedIfNeeded(table)),
				Sql.literal(ClickHouseClient.LOG_COMMENT), text),
				(row) -> new Statement(row.getString(1), row.getLong(2), row.getLong(3), row.getString(4)));
	}

	/** A name as the query log writes it ({@code backQuoteIfNeed}): back-quoted unless a plain identifier. */
	static String quotedIfNeeded(String name) {
		return (name.matches("[A-Za-z_][A-Za-z0-9_]*") && !name.equalsIgnoreCase("null")) ? name : Sql.identifier(name);
	}

	/**
	 * The id of the partition a command names by value ({@code DROP PARTITION '2024-01-01'}), as
	 * ClickHouse computes it: the value converted to the partition key's types, then
	 * {@code partitionId}. Empty when the value cannot be read that way.
	 */
	public Optional<String> partitionId(String database, String table, String partitionKey, String value) {
		if (partitionKey.isBlank() || partitionKey.equals("tuple()")) {
			return Optional.of("all");
		}
		try {
			List<String> types = this.client.query("DESCRIBE (SELECT " + partitionKey + " FROM "
					+ Sql.qualified(database, table) + ")", (row) -> row.getString(2));
			String sql;
			if (types.size() == 1 && !types.get(0).startsWith("Tuple(")) {
				sql = "SELECT partitionId(CAST(" + value + " AS " + types.get(0) + "))";
			}
			else {
				String tuple = (types.size() == 1) ? types.get(0) : "Tuple(" + String.join(", ", types) + ")";
				int size = (types.size() == 1) ? PartitionCommand.split(tuple.substring(6, tuple.length() - 1), ',').size()
						: types.size();
				StringBuilder elements = new StringBuilder();
				for (int i = 1; i <= size; i++) {
					elements.append((i > 1) ? ", " : "").append("tupleElement(v, ").append(i).append(')');
				}
				sql = "SELECT partitionId(" + elements + ") FROM (SELECT CAST(" + value + " AS " + tuple + ") AS v)";
			}
			return this.client.queryFirst(sql, (row) -> row.getString(1));
		}
		catch (ClickHouseException ex) {
			logger.debug("partition value {} of {}.{} not read: {}", value, database, table, ex.getMessage());
			return Optional.empty();
		}
	}

}
