package io.github.chmigrator.clickhouse;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.Sizes;

/**
 * The one way the migrator talks to ClickHouse: a HikariCP pool of its own (never the
 * JobRepository's DataSource), reads retried on network errors as design §11.2 says, writes run
 * once (the caller decides what is safe to repeat, see {@link #withRetry}), and every failure
 * turned into a message that names the server and never the password. Once the server stayed away
 * through all retries, the rest of the run fails at once instead of waiting again per partition.
 */
public class ClickHouseClient implements AutoCloseable {

	/** The {@code log_comment} of every statement the migrator sends. */
	public static final String LOG_COMMENT = "clickhouse-migrator";

	/** The driver property that sets {@code log_comment}; a client of the tests sets its own. */
	public static final String LOG_COMMENT_PROPERTY = "clickhouse_setting_log_comment";

	private static final Logger logger = LoggerFactory.getLogger(ClickHouseClient.class);

	private final ClickHouseSettings settings;

	private final HikariDataSource dataSource;

	/** Set once the server stayed away through all retries: later calls of this run fail at once. */
	private volatile MigratorException unreachable;

	public ClickHouseClient(ClickHouseSettings settings, int poolSize) {
		this.settings = settings;
		this.dataSource = new HikariDataSource(poolConfig(settings, poolSize));
	}

	private static HikariConfig poolConfig(ClickHouseSettings settings, int poolSize) {
		HikariConfig config = new HikariConfig();
		config.setPoolName("clickhouse");
		config.setJdbcUrl("jdbc:clickhouse:http://" + settings.endpoint() + "/default");
		config.setUsername(settings.user());
		config.setPassword(settings.password());
		// the migrator retries (design §11.2) and waits for long copies; the operator can override both
		config.addDataSourceProperty("retry", "0");
		config.addDataSourceProperty("socket_timeout", Long.toString(Duration.ofHours(6).toMillis()));
		// marks the migrator's own statements in system.query_log, where it looks for an operator's (QueryLog)
		config.addDataSourceProperty(LOG_COMMENT_PROPERTY, LOG_COMMENT);
		settings.properties().forEach(config::addDataSourceProperty);
		config.setMaximumPoolSize(Math.max(2, poolSize));
		config.setMinimumIdle(0);
		// connect on first use, inside the retry loop, so an unreachable server gets one clear message
		config.setInitializationFailTimeout(-1);
		config.setConnectionTimeout(Math.max(250, settings.connectTimeout().toMillis()));
		config.setValidationTimeout(Math.max(250, Math.min(5000, settings.connectTimeout().toMillis())));
		return config;
	}

	/** {@code host:port} of the server. */
	public String endpoint() {
		return this.settings.endpoint();
	}

	/** The HTTP port the client connects to. */
	public int port() {
		return this.settings.port();
	}

	/** Runs a read, retried on network errors. */
	public <T> List<T> query(String sql, RowMapper<T> mapper) {
		return withRetry(() -> queryOnce(sql, mapper));
	}

	/** The first row of a read, retried on network errors. */
	public <T> Optional<T> queryFirst(String sql, RowMapper<T> mapper) {
		return query(sql, mapper).stream().findFirst();
	}

	/** Runs a statement once and returns the rows it wrote, as the server reports them. */
	public long update(String sql) {
		long started = System.nanoTime();
		try (Connection connection = connect(); Statement statement = connection.createStatement()) {
			return statement.executeLargeUpdate(sql);
		}
		catch (SQLException ex) {
			throw translate(ex, sql);
		}
		finally {
			trace(started, sql);
		}
	}

	/** Runs a statement once. */
	public void execute(String sql) {
		long started = System.nanoTime();
		try (Connection connection = connect(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw translate(ex, sql);
		}
		finally {
			trace(started, sql);
		}
	}

	/** Each statement and how long it took, at TRACE (for profiling a run: never a password in SQL). */
	private static void trace(long started, String sql) {
		if (logger.isTraceEnabled()) {
			logger.trace("{} ms: {}", (System.nanoTime() - started) / 1_000_000,
					(sql.length() > 300) ? sql.substring(0, 300) + "…" : sql);
		}
	}

	/**
	 * Runs an idempotent unit of work, repeating it after a network error up to the configured
	 * number of retries, the configured delay apart.
	 */
	public <T> T withRetry(Callable<T> work) {
		MigratorException gone = this.unreachable;
		if (gone != null) {
			// the server already stayed away through all retries in this run: fail fast, the rerun resumes
			throw new MigratorException(gone.exitCode(), gone.getMessage());
		}
		Duration delay = this.settings.retryDelay();
		for (int attempt = 0;; attempt++) {
			try {
				return work.call();
			}
			catch (RuntimeException ex) {
				if (!ClickHouseErrors.isTransient(ex) || ex instanceof MigratorException) {
					throw ex;
				}
				if (attempt >= this.settings.retries()) {
					MigratorException unavailable = new MigratorException(ExitCodes.UNAVAILABLE,
							"cannot reach ClickHouse at %s after %d retries %s apart: %s".formatted(endpoint(),
									this.settings.retries(), Sizes.duration(delay), ClickHouseErrors.summary(ex)),
							ex);
					this.unreachable = unavailable;
					throw unavailable;
				}
				logger.warn("ClickHouse at {} did not answer ({}); retry {}/{} in {}", endpoint(),
						ClickHouseErrors.summary(ex), attempt + 1, this.settings.retries(), Sizes.duration(delay));
				sleep(delay);
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}
	}

	private <T> List<T> queryOnce(String sql, RowMapper<T> mapper) {
		long started = System.nanoTime();
		try (Connection connection = connect();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			List<T> result = new ArrayList<>();
			while (rows.next()) {
				result.add(mapper.map(rows));
			}
			return result;
		}
		catch (SQLException ex) {
			throw translate(ex, sql);
		}
		finally {
			trace(started, sql);
		}
	}

	private Connection connect() throws SQLException {
		return this.dataSource.getConnection();
	}

	private RuntimeException translate(SQLException ex, String sql) {
		if (ClickHouseErrors.isAuthentication(ex)) {
			return new MigratorException(ExitCodes.UNAVAILABLE, "ClickHouse at %s refused user '%s': %s"
				.formatted(endpoint(), this.settings.user(), ClickHouseErrors.summary(ex)));
		}
		return new ClickHouseException(ClickHouseErrors.code(ex), ClickHouseErrors.summary(ex), sql, ex);
	}

	private static void sleep(Duration delay) {
		try {
			Thread.sleep(delay.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while waiting to retry", ex);
		}
	}

	@Override
	public void close() {
		this.dataSource.close();
	}

	/** Maps the current row of a result set. */
	@FunctionalInterface
	public interface RowMapper<T> {

		T map(ResultSet row) throws SQLException;

	}

}
