package io.github.chmigrator.lock;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

/**
 * Takes table locks: one lock file per ClickHouse server, database and table in a directory,
 * so that two runs never migrate the same table at once.
 * <p>
 * A lock file names its owner: pid, host and start time. Its holder renews it every heartbeat
 * (the file's modification time, see {@link TableLock}), however long the run lasts. It is stale,
 * and removed by the next run that wants it, when its owner is a process of this host that is no
 * longer running, when its heartbeat stopped more than the timeout ago (the holder is gone, on
 * whichever host), or when it cannot be read and was last written more than 10 seconds ago (a
 * younger unreadable file may be one being written). A live run's lock is never taken over because
 * of its age. A lock is only as good as
 * the names it is taken with: callers pass the server's identity (the same whichever address
 * reaches it), and share the
 * directory between every run that may touch the same tables.
 */
public final class TableLocks {

	private static final Logger logger = LoggerFactory.getLogger(TableLocks.class);

	/** How long an unreadable lock file is presumed to be still being written. */
	private static final Duration UNREADABLE_GRACE = Duration.ofSeconds(10);

	private final Path directory;

	private final Duration timeout;

	private final Duration heartbeat;

	private final Clock clock;

	private final String host;

	private final long pid;

	private final Instant processStart;

	/**
	 * Locks renewed every quarter of the timeout.
	 * @see #TableLocks(Path, Duration, Duration, Clock)
	 */
	public TableLocks(Path directory, Duration timeout, Clock clock) {
		this(directory, timeout, timeout.dividedBy(4), clock);
	}

	/**
	 * @param directory where lock files live; created when a lock is first taken
	 * @param timeout how long a lock's heartbeat may stop before the lock is stale
	 * @param heartbeat how often a held lock is renewed; a quarter of the timeout when it is more
	 * than half of it
	 * @param clock the wall clock heartbeats are measured with (tests may move it forward)
	 */
	public TableLocks(Path directory, Duration timeout, Duration heartbeat, Clock clock) {
		this.directory = directory;
		this.timeout = timeout;
		this.heartbeat = heartbeat(timeout, heartbeat);
		this.clock = clock;
		this.host = localHostName();
		this.pid = ProcessHandle.current().pid();
		this.processStart = Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime());
	}

	/**
	 * The heartbeat to renew a lock with: the given one, or a quarter of the timeout when it is more
	 * than half of it (a slower heartbeat would let a live lock look stale).
	 */
	public static Duration heartbeat(Duration timeout, Duration heartbeat) {
		return (heartbeat.compareTo(timeout.dividedBy(2)) > 0) ? timeout.dividedBy(4) : heartbeat;
	}

	private static String localHostName() {
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException | SecurityException ex) {
			return "localhost";
		}
	}

	/**
	 * Takes the lock on a table, first removing a stale lock (logged as a warning naming its owner).
	 * Taking it is atomic: of runs racing for the same table, exactly one wins.
	 * @param database the database
	 * @param table the table
	 * @param clickhouseEndpoint the server the table lives on, by its identity
	 * @return the held lock, to close when the run ends
	 * @throws MigratorException with {@link ExitCodes#LOCKED} naming the owner if another live
	 * run holds the lock, or with {@link ExitCodes#INVALID} if the lock file cannot be written
	 */
	public TableLock acquire(String database, String table, String clickhouseEndpoint) {
		Path file = file(database, table, clickhouseEndpoint);
		String name = database + "." + table;
		LockOwner self = new LockOwner(this.pid, this.host, this.clock.instant());
		byte[] content = LockFileContent.write(self, database, table);
		try {
			Files.createDirectories(this.directory);
			if (LockFiles.createExclusively(file, content) || (removeIfStale(file, name)
					&& LockFiles.createExclusively(file, content))) {
				logger.info("Table {}: locked by {} ({})", name, self, file);
				return TableLock.held(name, file, self, this.heartbeat);
			}
			throw locked(name, file, inspect(file));
		}
		catch (IOException ex) {
			throw new MigratorException(ExitCodes.INVALID,
					"cannot take the lock on table " + name + " in " + file + ": " + ex, ex);
		}
	}

	/**
	 * The live owner of a table's lock, without taking it.
	 * @return empty when there is no lock, when it is stale, or when its file cannot be read (yet)
	 */
	public Optional<LockOwner> liveOwner(String database, String table, String clickhouseEndpoint) {
		try {
			return Optional.ofNullable(inspect(file(database, table, clickhouseEndpoint)))
				.filter((found) -> found.staleBecause() == null)
				.flatMap(Found::owner);
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

	/** The lock file of a table, whether or not it exists. */
	public Path file(String database, String table, String clickhouseEndpoint) {
		return this.directory.resolve(LockFiles.fileName(clickhouseEndpoint, database, table));
	}

	/**
	 * Removes the lock file if it is stale and unchanged since it was inspected.
	 * @return whether taking the lock is worth trying again: the file was stale or has gone
	 */
	private boolean removeIfStale(Path file, String name) throws IOException {
		Found found = inspect(file);
		if (found == null) {
			return true;
		}
		if (found.staleBecause() == null) {
			return false;
		}
		logger.warn("Table {}: removing stale lock {} of {}: {}", name, file,
				found.owner().map(LockOwner::toString).orElse("an unknown owner"), found.staleBecause());
		return LockFiles.removeIf(file, (content) -> Arrays.equals(content, found.content())) != LockFiles.Removal.CHANGED;
	}

	/** The lock file as found now, or {@code null} if there is none. */
	private Found inspect(Path file) throws IOException {
		Optional<byte[]> content = LockFiles.read(file);
		if (content.isEmpty()) {
			return null;
		}
		Optional<LockOwner> owner = LockFileContent.read(content.get());
		String staleBecause = owner.isPresent() ? staleBecause(owner.get(), file) : unreadableStaleBecause(file);
		return new Found(content.get(), owner, staleBecause);
	}

	/** Why a readable lock is stale, or {@code null} if it is live. */
	private String staleBecause(LockOwner owner, Path file) throws IOException {
		Duration silent;
		try {
			silent = Duration.between(Files.getLastModifiedTime(file).toInstant(), this.clock.instant());
		}
		catch (NoSuchFileException ex) {
			return "the file was removed while being read";
		}
		if (silent.compareTo(this.timeout) > 0) {
			return "its heartbeat stopped " + silent.toSeconds() + " s ago, more than the lock timeout of "
					+ this.timeout.toSeconds() + " s";
		}
		if (!owner.host().equalsIgnoreCase(this.host)) {
			return null;
		}
		if (owner.pid() == this.pid && owner.startedAt().isBefore(this.processStart)) {
			return "it was taken by an earlier process with this process's pid " + owner.pid();
		}
		boolean alive = ProcessHandle.of(owner.pid()).map(ProcessHandle::isAlive).orElse(false);
		return alive ? null : "process " + owner.pid() + " is no longer running on this host";
	}

	/** Why an unreadable lock file is stale, or {@code null} if it may still be being written. */
	private String unreadableStaleBecause(Path file) throws IOException {
		try {
			Instant written = Files.getLastModifiedTime(file).toInstant();
			Duration age = Duration.between(written, this.clock.instant());
			return (age.compareTo(UNREADABLE_GRACE) > 0)
					? "the file cannot be read and was last written " + age.toSeconds() + " s ago" : null;
		}
		catch (NoSuchFileException ex) {
			return "the file was removed while being read";
		}
	}

	private MigratorException locked(String name, Path file, Found found) {
		String owner = Optional.ofNullable(found)
			.flatMap(Found::owner)
			.map(LockOwner::toString)
			.orElse("another run whose lock file cannot be read yet");
		return new MigratorException(ExitCodes.LOCKED, "table " + name + " is locked by " + owner
				+ "; wait for it to finish, or remove " + file + " if that process is gone");
	}

	/**
	 * A lock file as found.
	 * @param content its bytes
	 * @param owner its owner, empty if unreadable
	 * @param staleBecause why it is stale, {@code null} if it is not
	 */
	private record Found(byte[] content, Optional<LockOwner> owner, String staleBecause) {
	}

}
