package io.github.chmigrator.core;

/** The exit codes a scheduler sees. */
public final class ExitCodes {

	/** Migrated and validated, or nothing to do (already on the target policy). */
	public static final int OK = 0;

	/** The migration started and failed; run the same command again to resume. */
	public static final int FAILED = 1;

	/** Bad flags or configuration, unknown database, table or policy, unsupported table: nothing was changed. */
	public static final int INVALID = 2;

	/** Another run holds the table lock. */
	public static final int LOCKED = 3;

	/** ClickHouse could not be reached, or refused the credentials. */
	public static final int UNAVAILABLE = 4;

	/**
	 * The run stopped on purpose ({@code --stop}, SIGTERM, {@code --critical-load},
	 * {@code --min-free-local-bytes}, a failing {@code on-startup} or {@code on-before-cut-over}
	 * hook): the live table is whole; rerun or {@code --restart} to resume.
	 */
	public static final int STOPPED = 5;

	private ExitCodes() {
	}

}
