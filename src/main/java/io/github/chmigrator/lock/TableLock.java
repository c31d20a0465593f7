package io.github.chmigrator.lock;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.lock.LockFiles.Removal;

/**
 * A held table lock, from {@link TableLocks#acquire}. Closing it releases the lock; so does a
 * JVM shutdown (SIGTERM, Ctrl-C) before it is closed. A run killed outright leaves its lock file
 * behind, which the next run recognizes as stale. Releasing removes the lock file only while it
 * still names this lock's owner, never another run's lock.
 */
public final class TableLock implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(TableLock.class);

	private final String table;

	private final Path file;

	private final LockOwner owner;

	private final Thread shutdownHook;

	private final AtomicBoolean released = new AtomicBoolean();

	private TableLock(String table, Path file, LockOwner owner) {
		this.table = table;
		this.file = file;
		this.owner = owner;
		this.shutdownHook = new Thread(this::releaseOnShutdown, "table-lock " + table);
	}

	/**
	 * A lock whose file was just created, released on JVM shutdown from now on.
	 * @throws IllegalStateException if the JVM is already shutting down; the file is removed then
	 */
	static TableLock held(String table, Path file, LockOwner owner) {
		TableLock lock = new TableLock(table, file, owner);
		try {
			Runtime.getRuntime().addShutdownHook(lock.shutdownHook);
		}
		catch (IllegalStateException ex) {
			lock.close();
			throw ex;
		}
		return lock;
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
			removeShutdownHook();
			release();
		}
	}

	private void releaseOnShutdown() {
		if (this.released.compareAndSet(false, true)) {
			release();
		}
	}

	private void removeShutdownHook() {
		try {
			Runtime.getRuntime().removeShutdownHook(this.shutdownHook);
		}
		catch (IllegalStateException ex) {
			// The JVM is shutting down; the hook may be running, and finds the lock released.
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
