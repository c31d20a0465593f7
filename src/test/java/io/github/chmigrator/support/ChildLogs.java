package io.github.chmigrator.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The output of a migrator run in a separate JVM ({@link Migrator#separateJvm}). */
public final class ChildLogs {

	/** How long a child run may take to reach a line, or to end. */
	public static final Duration CHILD_TIMEOUT = Duration.ofSeconds(90);

	private ChildLogs() {
	}

	/** Waits until the child's log holds the text; fails if the child ends first or it takes too long. */
	public static void await(Process child, Path log, String text) throws Exception {
		Instant deadline = Instant.now().plus(CHILD_TIMEOUT);
		while (!read(log).contains(text)) {
			assertThat(child.isAlive()).as("the child runs; its log:%n%s", read(log)).isTrue();
			assertThat(Instant.now()).as("'%s' in the child's log:%n%s", text, read(log)).isBefore(deadline);
			Thread.sleep(100);
		}
	}

	/** The log so far, empty before the child wrote anything. */
	public static String read(Path log) throws IOException {
		return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
	}

}
