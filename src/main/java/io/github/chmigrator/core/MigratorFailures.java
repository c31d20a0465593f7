package io.github.chmigrator.core;

import java.util.Collection;

import org.springframework.batch.core.job.JobExecutionException;

/** Finds the operator-facing cause in what a job or step failed with. */
public final class MigratorFailures {

	private MigratorFailures() {
	}

	/** The first {@link MigratorException} in the cause chain, or {@code null}. */
	public static MigratorException find(Throwable failure) {
		return cause(failure, MigratorException.class);
	}

	/** The first throwable of the given type in the cause chain (the failure itself first), or {@code null}. */
	public static <T extends Throwable> T cause(Throwable failure, Class<T> type) {
		for (Throwable t = failure; t != null; t = t.getCause()) {
			if (type.isInstance(t)) {
				return type.cast(t);
			}
		}
		return null;
	}

	/**
	 * Whether the failure is only a partitioned step's summary ("a partition failed"), which carries
	 * no cause: each failed partition reports its own reason.
	 */
	public static boolean isPartitionSummary(Throwable failure) {
		return failure instanceof JobExecutionException && failure.getCause() == null;
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

	/**
	 * One line describing what went wrong: the operator-facing message when there is one, else the
	 * first failure that is not just a partitioned step's summary of its failed partitions.
	 */
	public static String describe(Collection<Throwable> failures) {
		return failures.stream()
			.map(MigratorFailures::find)
			.filter((known) -> known != null)
			.findFirst()
			.map(Throwable::getMessage)
			.or(() -> failures.stream()
				.filter((failure) -> !isPartitionSummary(failure))
				.findFirst()
				.map(Throwable::toString))
			.or(() -> failures.stream().findFirst().map(Throwable::toString))
			.orElse("no failure recorded");
	}

}
