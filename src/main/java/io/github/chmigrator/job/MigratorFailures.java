package io.github.chmigrator.job;

import java.util.Collection;

import io.github.chmigrator.ExitCodes;
import io.github.chmigrator.MigratorException;

/** Finds the operator-facing cause in what a job or step failed with. */
public final class MigratorFailures {

	private MigratorFailures() {
	}

	/** The first {@link MigratorException} in the cause chain, or {@code null}. */
	public static MigratorException find(Throwable failure) {
		for (Throwable t = failure; t != null; t = t.getCause()) {
			if (t instanceof MigratorException known) {
				return known;
			}
			if (t.getCause() == t) {
				break;
			}
		}
		return null;
	}

	/** The exit code for a failed run: the first known failure's code, else {@link ExitCodes#FAILED}. */
	public static int exitCode(Collection<Throwable> failures) {
		return failures.stream()
			.map(MigratorFailures::find)
			.filter((known) -> known != null)
			.findFirst()
			.map(MigratorException::exitCode)
			.orElse(ExitCodes.FAILED);
	}

	/** One line describing the failure. */
	public static String describe(Collection<Throwable> failures) {
		return failures.stream().findFirst().map((failure) -> {
			MigratorException known = find(failure);
			return (known != null) ? known.getMessage() : failure.toString();
		}).orElse("no failure recorded");
	}

}
