package io.github.chmigrator.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes files that other programs read while the migrator runs (reports, the progress file, the
 * metrics textfile): a hidden temporary file in the same directory, then an atomic rename, so a
 * reader or a crash never sees half a file.
 */
public final class AtomicFiles {

	private AtomicFiles() {
	}

	public static void write(Path file, String content) throws IOException {
		Path directory = file.toAbsolutePath().getParent();
		Files.createDirectories(directory);
		// hidden and not ending like the target (*.json, *.prom): collectors must not pick it up
		Path temporary = Files.createTempFile(directory, "." + file.getFileName(), ".tmp");
		try {
			Files.writeString(temporary, content, StandardCharsets.UTF_8);
			Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		finally {
			Files.deleteIfExists(temporary);
		}
	}

}
