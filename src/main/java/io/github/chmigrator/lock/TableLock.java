package io.github.chmigrator.lock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.lock.LockFiles.Removal;

/**
 * A held table lock, from {@link TableLocks#acquire}. While held, a daemon thread renews it every
 * heartbeat (touches the lock file, while the file still names this owner), so a run lasting
 * longer than the lock timeout keeps it. Closing it releases the lock; the run closes
 * it when its job has ended, also after a SIGTERM (the job is stopped first, see
 * {@code job.GracefulStop}), never while the job may still be working. A run killed outright
 * leaves its lock file behind, which the next run recognizes as stale (dead pid). Releasing removes
 * the lock file only while it still names this lock's owner, never another run's lock.
 */
public final class TableLock implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(TableLock.class);

	private final String table;

	private final Path file;

	private final LockOwner owner;

	private final AtomicBoolean released = new AtomicBoolean();

	private final ScheduledExecutorService heartbeat;

	private TableLock(String table, Path file, LockOwner owner, Duration interval) {
		this.table = table;
		this.file = file;
		this.owner = owner;
		this.heartbeat = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "lock-heartbeat");
			thread.setDaemon(true);
			return thread;
		});
		long millis = Math.max(1, interval.toMillis());
		this.heartbeat.scheduleWithFixedDelay(this::beat, millis, millis, TimeUnit.MILLISECONDS);
	}

	/** A lock whose file was just created, renewed every {@code heartbeat}. */
	static TableLock held(String table, Path file, LockOwner owner, Duration heartbeat) {
		return new TableLock(table, file, owner, heartbeat);
	}

	/** Renews the lock: a new modification time on its file, as long as the file names this owner. */
	private void beat() {
		try {
			Optional<byte[]> content = LockFiles.read(this.file);
			if (content.isEmpty() || !isOwn(content.get())) {
				logger.warn("Table {}: lock {} is no longer held by {}; it is not renewed", this.table, this.file,
						this.owner);
				this.heartbeat.shutdown();
				return;
			}
			Files.setLastModifiedTime(this.file, FileTime.from(Instant.now()));
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Table {}: cannot renew lock {}: {}", this.table, this.file, ex.toString());
		}
	}

	/** The run holding this lock: this process. */
	public LockOwner owner() {
		return this.owner;
	}

	/** The lock file. */
	public Path file() {
		return this.file;
	}

	/** The locked table, as {@code database.table}. */
	public String table() {
		return this.table;
	}

	/**
	 * Releases the lock: removes the lock file if it still holds this lock's pid and start time.
	 * Calling it again does nothing. Never throws; a failure to remove the file is logged.
	 */
	@Override
	public void close() {
		if (this.released.compareAndSet(false, true)) {
			this.heartbeat.shutdownNow();
			release();
		}
	}

	private void release() {
		try {
			Removal removal = LockFiles.removeIf(this.file, this::isOwn);
			switch (removal) {
				case REMOVED -> logger.info("Table {}: released lock {}", this.table, this.file);
				case ABSENT -> logger.warn("Table {}: lock {} was already removed", this.table, this.file);
				case CHANGED -> logger.warn("Table {}: lock {} is no longer held by {}; left it in place", this.table,
						this.file, this.owner);
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Table {}: cannot release lock {}: {}", this.table, this.file, ex.toString());
		}
	}

	private boolean isOwn(byte[] content) {
		return LockFileContent.read(content)
			.filter((found) -> found.pid() == this.owner.pid() && found.startedAt().equals(this.owner.startedAt()))
			.isPresent();
	}

	@Override
	public String toString() {
		return "lock on " + this.table + " held by " + this.owner;
	}

}
