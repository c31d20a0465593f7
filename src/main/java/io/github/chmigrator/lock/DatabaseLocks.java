package io.github.chmigrator.lock;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Lock;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.integration.jdbc.lock.JdbcLockRegistry;
import org.springframework.jdbc.core.JdbcTemplate;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

/**
 * The table lock in the JobRepository's database, for runs on several hosts that share it
 * (PostgreSQL): Spring Integration's {@link JdbcLockRegistry} on table {@code INT_LOCK}, created
 * when missing. A held lock is renewed every heartbeat and expires once its holder stopped
 * renewing it for the lock timeout (a host that died). The registry ties taking, renewing and
 * releasing a lock to one thread, so each held lock has a thread of its own.
 */
public final class DatabaseLocks {

	private static final Logger logger = LoggerFactory.getLogger(DatabaseLocks.class);

	private static final String SCHEMA = """
			CREATE TABLE IF NOT EXISTS INT_LOCK (
				LOCK_KEY CHAR(36) NOT NULL,
				REGION VARCHAR(100) NOT NULL,
				CLIENT_ID CHAR(36),
				CREATED_DATE TIMESTAMP NOT NULL,
				EXPIRED_AFTER TIMESTAMP NOT NULL,
				CONSTRAINT INT_LOCK_PK PRIMARY KEY (LOCK_KEY, REGION)
			)""";

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final JdbcLockRegistry registry;

	private final Duration heartbeat;

	/**
	 * @param repository the lock repository on the JobRepository's DataSource, its time to live the lock timeout
	 * @param timeout how long a lock stays held without renewal
	 * @param heartbeat how often a held lock is renewed
	 */
	public DatabaseLocks(DefaultLockRepository repository, Duration timeout, Duration heartbeat) {
		this.registry = new JdbcLockRegistry(repository, timeout);
		this.heartbeat = heartbeat;
	}

	/** Creates {@code INT_LOCK} in the database when it does not exist yet. */
	public static void createSchema(DataSource dataSource) {
		new JdbcTemplate(dataSource).execute(SCHEMA);
	}

	/**
	 * Takes the lock on a table, or fails with {@link ExitCodes#LOCKED}.
	 * @param key the lock's key: the server's identity, database and table
	 * @param table the table, as {@code database.table}, for messages
	 */
	public AutoCloseable acquire(String key, String table) {
		ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread owner = new Thread(task, "db-lock " + table);
			owner.setDaemon(true);
			return owner;
		});
		Lock lock = this.registry.obtain(key);
		if (!Boolean.TRUE.equals(on(thread, lock::tryLock))) {
			thread.shutdownNow();
			throw new MigratorException(ExitCodes.LOCKED, "table " + table + " is locked by another run that shares the "
					+ "JobRepository (table INT_LOCK); wait for it to finish (a run that died releases it after lock.timeout)");
		}
		long millis = Math.max(1, this.heartbeat.toMillis());
		thread.scheduleWithFixedDelay(() -> renew(key, table), millis, millis, TimeUnit.MILLISECONDS);
		logger.info("Table {}: locked in the JobRepository's database", table);
		return () -> {
			on(thread, () -> {
				lock.unlock();
				return null;
			});
			thread.shutdownNow();
		};
	}

	private void renew(String key, String table) {
		try {
			this.registry.renewLock(key);
		}
		catch (RuntimeException ex) {
			logger.warn("Table {}: cannot renew its lock in the JobRepository's database: {}", table, ex.toString());
		}
	}

	private static <T> T on(ScheduledExecutorService thread, Callable<T> work) {
		try {
			return thread.submit(work).get(WAIT.toSeconds(), TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while using the database lock", ex);
		}
		catch (ExecutionException | TimeoutException ex) {
			throw new IllegalStateException("the database lock failed: " + ex.getMessage(), ex);
		}
	}

}
