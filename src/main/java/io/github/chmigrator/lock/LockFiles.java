package io.github.chmigrator.lock;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * The lock files themselves: their names, and how they are created and removed so that runs
 * racing each other never both win, and never remove a lock they did not inspect.
 */
final class LockFiles {

	/** Longer names are shortened with a hash, so that every name fits a file system's 255 bytes. */
	private static final int MAX_NAME_LENGTH = 200;

	private static final int KEPT_PREFIX_LENGTH = 130;

	private static final char[] HEX = "0123456789ABCDEF".toCharArray();

	/** What {@link #removeIf} did. */
	enum Removal {

		/** The file held what was expected and is gone. */
		REMOVED,

		/** There was no file. */
		ABSENT,

		/** The file held something else and was left in place. */
		CHANGED

	}

	private LockFiles() {
	}

	/**
	 * The lock file name {@code <endpoint>__<database>.<table>.lock}, each part keeping
	 * {@code [A-Za-z0-9_-]} and percent-encoding every other UTF-8 byte. The endpoint's underscores
	 * are encoded too, so that the first {@code __} always ends it and distinct names never share a
	 * file. A name above 200 characters keeps its first 130 and appends {@code ~} and its SHA-256.
	 */
	static String fileName(String endpoint, String database, String table) {
		String name = encode(endpoint, true) + "__" + encode(database, false) + "." + encode(table, false);
		return ((name.length() <= MAX_NAME_LENGTH) ? name
				: name.substring(0, KEPT_PREFIX_LENGTH) + "~" + sha256(name)) + ".lock";
	}

	private static String encode(String name, boolean encodeUnderscore) {
		StringBuilder out = new StringBuilder();
		for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
			int c = b & 0xFF;
			if (isKept(c) && !(encodeUnderscore && c == '_')) {
				out.append((char) c);
			}
			else {
				out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
			}
		}
		return out.toString();
	}

	private static boolean isKept(int c) {
		return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
	}

	private static String sha256(String name) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(digest);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is required of every JVM", ex);
		}
	}

	/**
	 * Creates the file with the given content unless it exists. The content is written to a
	 * temporary file first and hard-linked into place, so a reader never sees a partial file; on a
	 * file system without hard links the file is created with {@code CREATE_NEW} instead.
	 * @return whether this call created the file
	 */
	static boolean createExclusively(Path file, byte[] content) throws IOException {
		Path temporary = sibling(file, ".tmp");
		Files.write(temporary, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
		try {
			Files.createLink(file, temporary);
			return true;
		}
		catch (FileAlreadyExistsException ex) {
			return false;
		}
		catch (UnsupportedOperationException ex) {
			return createNew(file, content);
		}
		finally {
			Files.deleteIfExists(temporary);
		}
	}

	private static boolean createNew(Path file, byte[] content) throws IOException {
		try {
			Files.write(file, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
			return true;
		}
		catch (FileAlreadyExistsException ex) {
			return false;
		}
	}

	/** The file's content, or empty when there is no file. */
	static Optional<byte[]> read(Path file) throws IOException {
		try {
			return Optional.of(Files.readAllBytes(file));
		}
		catch (NoSuchFileException ex) {
			return Optional.empty();
		}
	}

	/**
	 * Removes the file only if its content passes the test. The file is first renamed aside
	 * atomically, so the content tested is the content removed; if it turns out to be another
	 * run's, it is linked back in place.
	 * @return what was done
	 */
	static Removal removeIf(Path file, Predicate<byte[]> expected) throws IOException {
		Path aside = sibling(file, ".removed");
		try {
			Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
		}
		catch (NoSuchFileException ex) {
			return Removal.ABSENT;
		}
		catch (AtomicMoveNotSupportedException ex) {
			return removeInPlace(file, expected);
		}
		try {
			if (expected.test(Files.readAllBytes(aside))) {
				return Removal.REMOVED;
			}
			putBack(aside, file);
			return Removal.CHANGED;
		}
		finally {
			Files.deleteIfExists(aside);
		}
	}

	private static Removal removeInPlace(Path file, Predicate<byte[]> expected) throws IOException {
		Optional<byte[]> content = read(file);
		if (content.isEmpty()) {
			return Removal.ABSENT;
		}
		if (!expected.test(content.get())) {
			return Removal.CHANGED;
		}
		return Files.deleteIfExists(file) ? Removal.REMOVED : Removal.ABSENT;
	}

	private static void putBack(Path aside, Path file) throws IOException {
		try {
			Files.createLink(file, aside);
		}
		catch (UnsupportedOperationException ex) {
			Files.move(aside, file);
		}
	}

	private static Path sibling(Path file, String suffix) {
		String random = Long.toHexString(ThreadLocalRandom.current().nextLong());
		return file.resolveSibling("." + file.getFileName() + "." + random + suffix);
	}

}
