package io.github.chmigrator.lock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The table lock: one run per table, stale locks of dead runs cleaned up, and a lock file only
 * ever removed by its owner.
 */
@ExtendWith(OutputCaptureExtension.class)
class TableLockTests {

	private static final String ENDPOINT = "http://clickhouse:8123";

	private static final Duration TIMEOUT = Duration.ofHours(1);

	@TempDir
	Path directory;

	private final Instant now = Instant.now();

	private TableLocks locks() {
		return locksAt(this.now);
	}

	private TableLocks locksAt(Instant instant) {
		return new TableLocks(this.directory, TIMEOUT, Clock.fixed(instant, ZoneOffset.UTC));
	}

	@Test
	void acquiresAndReleases() throws IOException {
		TableLocks locks = locks();
		TableLock lock = locks.acquire("db", "events", ENDPOINT);

		assertThat(lock.file()).exists().hasParent(this.directory);
		assertThat(lock.owner().pid()).isEqualTo(ProcessHandle.current().pid());
		assertThat(lock.owner().startedAt()).isEqualTo(this.now);
		assertThat(Files.readString(lock.file())).startsWith("{\"pid\":" + lock.owner().pid() + ",\"host\":")
			.contains("\"database\":\"db\"", "\"table\":\"events\"");
		assertThat(locks.liveOwner("db", "events", ENDPOINT)).contains(lock.owner());

		lock.close();

		assertThat(lock.file()).doesNotExist();
		assertThat(locks.liveOwner("db", "events", ENDPOINT)).isEmpty();
		locks.acquire("db", "events", ENDPOINT).close();
	}

	@Test
	void createsTheDirectory() {
		TableLocks locks = new TableLocks(this.directory.resolve("a/b"), TIMEOUT, Clock.systemUTC());
		try (TableLock lock = locks.acquire("db", "events", ENDPOINT)) {
			assertThat(lock.file()).exists();
		}
	}

	@Test
	void refusesASecondRunNamingTheOwner() {
		TableLocks locks = locks();
		try (TableLock lock = locks.acquire("db", "events", ENDPOINT)) {
			assertThatExceptionOfType(MigratorException.class).isThrownBy(() -> locks.acquire("db", "events", ENDPOINT))
				.satisfies((ex) -> assertThat(ex.exitCode()).isEqualTo(ExitCodes.LOCKED))
				.withMessage("table db.events is locked by pid %d on %s since %s; wait for it to finish, "
						+ "or remove %s if that process is gone", lock.owner().pid(), lock.owner().host(), this.now,
						lock.file());
			assertThat(lock.file()).exists();
		}
	}

	@Test
	void locksEachTableAndEndpointSeparately() {
		TableLocks locks = locks();
		try (TableLock events = locks.acquire("db", "events", ENDPOINT);
				TableLock other = locks.acquire("db", "other", ENDPOINT);
				TableLock otherServer = locks.acquire("db", "events", "http://other:8123")) {
			assertThat(Set.of(events.file(), other.file(), otherServer.file())).hasSize(3);
		}
	}

	@Test
	void releasesOnlyItsOwnLock() throws IOException {
		TableLock lock = locks().acquire("db", "events", ENDPOINT);
		String someoneElse = ownerJson(lock.owner().pid(), lock.owner().host(), this.now.plusSeconds(1));
		Files.writeString(lock.file(), someoneElse);

		lock.close();

		assertThat(lock.file()).hasContent(someoneElse);
		assertThat(this.directory).isDirectoryNotContaining("glob:**/.*");
	}

	@Test
	void closeIsIdempotent() throws IOException {
		TableLocks locks = locks();
		TableLock lock = locks.acquire("db", "events", ENDPOINT);
		lock.close();
		TableLock next = locks.acquire("db", "events", ENDPOINT);

		lock.close();

		assertThat(next.file()).exists();
		next.close();
		next.close();
		assertThat(next.file()).doesNotExist();
	}

	@Test
	void removesTheLockOfADeadProcessOnThisHost(CapturedOutput output) throws Exception {
		TableLocks locks = locks();
		String host = hostOf(locks);
		long deadPid = deadPid();
		Path file = locks.file("db", "events", ENDPOINT);
		Files.writeString(file, " {\n \"host\" : \"" + host + "\", \"pid\": " + deadPid + ", \"startedAt\": \"" + this.now
				+ "\", \"extra\": [1, {\"a\": \"]}\"}], \"n\": null }");

		assertThat(locks.liveOwner("db", "events", ENDPOINT)).isEmpty();
		try (TableLock lock = locks.acquire("db", "events", ENDPOINT)) {
			assertThat(lock.owner().pid()).isEqualTo(ProcessHandle.current().pid());
		}
		assertThat(output).contains("Table db.events: removing stale lock", "pid " + deadPid + " on " + host,
				"process " + deadPid + " is no longer running on this host");
	}

	@Test
	void respectsTheLockOfADeadPidOnAnotherHost() throws Exception {
		TableLocks locks = locks();
		Path file = locks.file("db", "events", ENDPOINT);
		Files.writeString(file, ownerJson(deadPid(), "some-other-host", this.now));

		assertThat(locks.liveOwner("db", "events", ENDPOINT)).map(LockOwner::host).contains("some-other-host");
		assertThatExceptionOfType(MigratorException.class).isThrownBy(() -> locks.acquire("db", "events", ENDPOINT))
			.withMessageContaining("on some-other-host since " + this.now);
	}

	@Test
	void removesALockWhoseHeartbeatStoppedLongerThanTheTimeout() throws IOException {
		TableLock old = locks().acquire("db", "events", ENDPOINT);
		Files.setLastModifiedTime(old.file(), FileTime.from(this.now.minus(TIMEOUT)));

		assertThatExceptionOfType(MigratorException.class).isThrownBy(() -> locks().acquire("db", "events", ENDPOINT));
		Files.setLastModifiedTime(old.file(), FileTime.from(this.now.minus(TIMEOUT).minusSeconds(1)));
		TableLocks later = locksAt(this.now.plusSeconds(1));
		assertThat(later.liveOwner("db", "events", ENDPOINT)).isEmpty();
		try (TableLock lock = later.acquire("db", "events", ENDPOINT)) {
			old.close();
			assertThat(lock.file()).exists();
			assertThat(later.liveOwner("db", "events", ENDPOINT)).contains(lock.owner());
		}
	}

	/** A run lasting longer than the timeout, whose heartbeat goes on, keeps its lock. */
	@Test
	void aLockWithALiveHeartbeatIsNeverStaleWhateverItsAge() throws IOException {
		TableLocks locks = locksAt(this.now.plus(TIMEOUT.multipliedBy(30)));
		Path file = locks.file("db", "events", ENDPOINT);
		Files.writeString(file, ownerJson(ProcessHandle.current().parent().orElseThrow().pid(), hostOf(locksAt(this.now)), this.now));
		Files.setLastModifiedTime(file, FileTime.from(this.now.plus(TIMEOUT.multipliedBy(30)).minusSeconds(5)));

		assertThatExceptionOfType(MigratorException.class).isThrownBy(() -> locks.acquire("db", "events", ENDPOINT))
			.withMessageContaining("is locked by pid");
	}

	@ParameterizedTest(name = "timeout {0} ms, heartbeat {1} ms")
	@CsvSource({ "3600000, 100", "400, 10000" })
	void aHeldLockIsRenewedEveryHeartbeatAndAtLeastTwicePerTimeout(long timeout, long heartbeat) throws Exception {
		TableLocks locks = new TableLocks(this.directory, Duration.ofMillis(timeout), Duration.ofMillis(heartbeat),
				Clock.systemUTC());
		try (TableLock lock = locks.acquire("db", "events", ENDPOINT)) {
			FileTime old = FileTime.from(Instant.now().minus(TIMEOUT));
			Files.setLastModifiedTime(lock.file(), old);
			Thread.sleep(1000);

			assertThat(Files.getLastModifiedTime(lock.file())).as("renewed").isGreaterThan(old);
			assertThat(lock.file()).exists();
		}
	}

	@Test
	void removesAnUnreadableLockFileOlderThanTenSeconds() throws IOException {
		TableLocks locks = locks();
		Path file = locks.file("db", "events", ENDPOINT);
		Files.writeString(file, "{\"pid\":");
		Files.setLastModifiedTime(file, FileTime.from(this.now.minusSeconds(11)));

		try (TableLock lock = locks.acquire("db", "events", ENDPOINT)) {
			assertThat(lock.file()).isEqualTo(file);
		}
	}

	@Test
	void respectsAnUnreadableLockFileBeingWritten() throws IOException {
		TableLocks locks = locks();
		Path file = locks.file("db", "events", ENDPOINT);
		Files.writeString(file, "{\"pid\":");
		Files.setLastModifiedTime(file, FileTime.from(this.now.minusSeconds(5)));

		assertThatExceptionOfType(MigratorException.class).isThrownBy(() -> locks.acquire("db", "events", ENDPOINT))
			.satisfies((ex) -> assertThat(ex.exitCode()).isEqualTo(ExitCodes.LOCKED))
			.withMessageContaining("table db.events is locked by another run");
		assertThat(file).hasContent("{\"pid\":");
	}

	@Test
	void namesDistinctTablesWithDistinctSafeFileNames() {
		TableLocks locks = locks();
		List<Path> files = List.of(locks.file("a.b", "c", ENDPOINT), locks.file("a", "b.c", ENDPOINT),
				locks.file("a/b", "c", ENDPOINT), locks.file("a", "b/c", ENDPOINT), locks.file("..", "..", ENDPOINT),
				locks.file("db", "таблица", ENDPOINT), locks.file("db", "表", ENDPOINT), locks.file("db", "a%2Eb", ENDPOINT),
				locks.file("db", "a.b", ENDPOINT), locks.file("c", "d", "a__b"), locks.file("b__c", "d", "a"),
				locks.file("db", "", ENDPOINT), locks.file("", "db", ENDPOINT), locks.file("db", "x".repeat(300), ENDPOINT),
				locks.file("db", "x".repeat(300) + "y", ENDPOINT));

		assertThat(new HashSet<>(files)).hasSameSizeAs(files);
		assertThat(files).allSatisfy((file) -> {
			assertThat(file.getParent()).isEqualTo(this.directory);
			assertThat(file.getFileName().toString()).matches("[A-Za-z0-9_%.~-]+\\.lock").hasSizeLessThan(220);
		});
		assertThat(locks.file("my_db", "events", ENDPOINT).getFileName())
			.hasToString("http%3A%2F%2Fclickhouse%3A8123__my_db.events.lock");
	}

	@Test
	void writesAndReadsLockFilesWithEscapedStrings() {
		LockOwner owner = new LockOwner(42, "h\"o\\s\tt\u0001é", this.now);
		byte[] content = LockFileContent.write(owner, "d\"b", "t\n");

		assertThat(new String(content, StandardCharsets.UTF_8)).contains("\"host\":\"h\\\"o\\\\s\\tt\\u0001é\"");
		assertThat(LockFileContent.read(content)).contains(owner);
		assertThat(LockFileContent.read("{\"pid\":\"x\",\"host\":\"h\",\"startedAt\":\"2026-01-01T00:00:00Z\"}"
			.getBytes(StandardCharsets.UTF_8))).isEmpty();
		assertThat(LockFileContent.read(new byte[] { '{', (byte) 0xC3, '}' })).isEmpty();
	}

	@Test
	void locksTablesWithUnusualNames() {
		TableLocks locks = locks();
		try (TableLock lock = locks.acquire("d\"b\\", "таблица/\n.x", ENDPOINT)) {
			assertThat(locks.liveOwner("d\"b\\", "таблица/\n.x", ENDPOINT)).contains(lock.owner());
			assertThatExceptionOfType(MigratorException.class)
				.isThrownBy(() -> locks.acquire("d\"b\\", "таблица/\n.x", ENDPOINT));
		}
	}

	@Test
	void letsExactlyOneOfManyConcurrentRunsWin() throws Exception {
		int runs = 16;
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService executor = Executors.newFixedThreadPool(runs);
		try {
			List<Future<TableLock>> attempts = new ArrayList<>();
			for (int i = 0; i < runs; i++) {
				attempts.add(executor.submit(attempt(start)));
			}
			start.countDown();
			List<TableLock> winners = new ArrayList<>();
			for (Future<TableLock> attempt : attempts) {
				TableLock lock = attempt.get(30, TimeUnit.SECONDS);
				if (lock != null) {
					winners.add(lock);
				}
			}
			assertThat(winners).hasSize(1);
			winners.get(0).close();
			assertThat(this.directory).isEmptyDirectory();
		}
		finally {
			executor.shutdownNow();
		}
	}

	private Callable<TableLock> attempt(CountDownLatch start) {
		TableLocks locks = new TableLocks(this.directory, TIMEOUT, Clock.systemUTC());
		return () -> {
			start.await();
			try {
				return locks.acquire("db", "events", ENDPOINT);
			}
			catch (MigratorException ex) {
				assertThat(ex.exitCode()).isEqualTo(ExitCodes.LOCKED);
				return null;
			}
		};
	}

	@Test
	void removesTheLockOfAKilledJvm() throws Exception {
		TableLocks locks = new TableLocks(this.directory, TIMEOUT, Clock.systemUTC());
		Process holder = startHolder();
		try {
			LockOwner owner = awaitLock(locks, holder);
			assertThat(owner.pid()).isEqualTo(holder.pid());
			assertThatExceptionOfType(MigratorException.class).isThrownBy(() -> locks.acquire("db", "events", ENDPOINT))
				.withMessageContaining("locked by pid " + holder.pid());

			holder.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

			assertThat(locks.file("db", "events", ENDPOINT)).exists();
			try (TableLock lock = locks.acquire("db", "events", ENDPOINT)) {
				assertThat(lock.owner().pid()).isEqualTo(ProcessHandle.current().pid());
			}
		}
		finally {
			holder.destroyForcibly();
		}
	}

	/**
	 * A lock is released by its run once the job has ended (after SIGTERM the job is stopped first);
	 * a JVM that ends with the lock still held leaves a file the next run takes over as stale.
	 */
	@Test
	void lockOfAJvmEndedBySigtermIsTakenOverByTheNextRun() throws Exception {
		TableLocks locks = new TableLocks(this.directory, TIMEOUT, Clock.systemUTC());
		Process holder = startHolder();
		try {
			awaitLock(locks, holder);
			awaitReady(holder);

			holder.destroy();

			assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
			assertThat(locks.liveOwner("db", "events", ENDPOINT)).isEmpty();
			try (TableLock lock = locks.acquire("db", "events", ENDPOINT)) {
				assertThat(lock.owner().pid()).isEqualTo(ProcessHandle.current().pid());
			}
		}
		finally {
			holder.destroyForcibly();
		}
	}

	private void awaitReady(Process holder) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (!Files.exists(this.directory.resolve(".holder.ready")) && holder.isAlive() && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(this.directory.resolve(".holder.ready")).exists();
	}

	private Process startHolder() throws IOException {
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		return new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
				LockHolder.class.getName(), this.directory.toString(), "db", "events", ENDPOINT)
			.redirectErrorStream(true)
			.redirectOutput(Redirect.appendTo(this.directory.resolve(".holder.log").toFile()))
			.start();
	}

	private LockOwner awaitLock(TableLocks locks, Process holder) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (System.nanoTime() < deadline && holder.isAlive()) {
			var owner = locks.liveOwner("db", "events", ENDPOINT);
			if (owner.isPresent()) {
				return owner.get();
			}
			Thread.sleep(50);
		}
		throw new AssertionError("the holder JVM took no lock; its output:\n"
				+ Files.readString(this.directory.resolve(".holder.log"), StandardCharsets.UTF_8));
	}

	private static String hostOf(TableLocks locks) {
		try (TableLock lock = locks.acquire("probe", "host", ENDPOINT)) {
			return lock.owner().host();
		}
	}

	private static long deadPid() throws Exception {
		Process process = new ProcessBuilder("true").start();
		process.waitFor();
		return process.pid();
	}

	private static String ownerJson(long pid, String host, Instant startedAt) {
		return "{\"pid\":" + pid + ",\"host\":\"" + host + "\",\"startedAt\":\"" + startedAt + "\"}";
	}

	/** Run in a separate JVM: takes a lock and holds it until killed. */
	static final class LockHolder {

		public static void main(String[] args) throws InterruptedException {
			TableLocks locks = new TableLocks(Path.of(args[0]), TIMEOUT, Clock.systemUTC());
			locks.acquire(args[1], args[2], args[3]);
			// the lock is held: tell the test it may signal us now
			try {
				Files.createFile(Path.of(args[0], ".holder.ready"));
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			Thread.sleep(TimeUnit.MINUTES.toMillis(5));
		}

	}

}
