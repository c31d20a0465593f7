package io.github.chmigrator.core;

/**
 * A failure the operator can act on: a wrong flag, an unknown table or policy, an unreachable
 * server, a lock held by another run. Its message is one line that says what is wrong and never
 * holds a secret; it is reported without a stack trace and ends the run with {@link #exitCode()}.
 */
public class MigratorException extends RuntimeException {

	private final int exitCode;

	public MigratorException(int exitCode, String message) {
		super(message);
		this.exitCode = exitCode;
	}

	public MigratorException(int exitCode, String message, Throwable cause) {
		super(message, cause);
		this.exitCode = exitCode;
	}

	public int exitCode() {
		return this.exitCode;
	}

}
