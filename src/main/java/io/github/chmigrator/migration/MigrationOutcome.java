package io.github.chmigrator.migration;

import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.MigratorFailures;
import io.github.chmigrator.partition.CatchUps;

/**
 * What the job's steps leave for its listeners and runners beyond {@code COMPLETED} and
 * {@code FAILED}: the exit status of a table that needs no migration, and the swap step's count
 * of late rows.
 */
public final class MigrationOutcome {

	/** The exit status of a table that is already on the target policy: nothing to do. */
	public static final ExitStatus ALREADY_MIGRATED = new ExitStatus("ALREADY_MIGRATED",
			"the table is already on the target storage policy");

	/**
	 * The exit status of {@code checkPolicy} when the table migrates in place ({@code --strategy
	 * move}): the job goes on with setPolicy, planMoves, movePartitions, validateMoves.
	 */
	public static final ExitStatus MOVE = new ExitStatus("MOVE", "the table migrates in place");

	/**
	 * The job ExecutionContext key of the strategy an attempt chose ({@code move} or {@code copy}):
	 * a restart keeps it, whatever {@code --strategy auto} would choose by then.
	 */
	public static final String CHOSEN = "chosenStrategy";

	/** The job ExecutionContext key of the volume an in-place migration moves parts to. */
	public static final String MOVE_VOLUME = "moveVolume";

	/** The job ExecutionContext key of where the target policy writes new parts, for the report. */
	public static final String NEW_INSERTS = "newInserts";

	/** The job ExecutionContext key of that volume's disks, comma-separated. */
	public static final String MOVE_DISKS = "moveDisks";

	/** The name of the step that swaps the work table in. */
	public static final String SWAP_STEP = "swapTables";

	/** The swap step's ExecutionContext key: rows that reached the source after their partition was copied. */
	public static final String LATE_ROWS = "catchUpRows";

	/** The swap step's ExecutionContext key of a late-row move in flight. */
	public static final String CATCH_UP_PENDING = CatchUps.PENDING;

	/**
	 * The swap step's ExecutionContext key: where the old table was kept instead of dropped, and why
	 * (detached parts an operator left in it during the run).
	 */
	public static final String KEPT_OLD_TABLE = "keptOldTable";

	/**
	 * Swap step ExecutionContext key: how long the cut-over took, in seconds, from stopping merges on
	 * the source to the old table's retirement (with the source kept whole).
	 */
	public static final String CUT_OVER_SECONDS = "cutOverSeconds";

	private MigrationOutcome() {
	}

	/**
	 * The swap step's ExecutionContext as last committed for the job instance (any execution),
	 * empty when the step never ran.
	 */
	public static ExecutionContext lastSwapContext(JobRepository repository, JobExecution execution) {
		StepExecution swap = repository.getLastStepExecution(execution.getJobInstance(), SWAP_STEP);
		return (swap != null) ? swap.getExecutionContext() : new ExecutionContext();
	}

	/**
	 * The exit code an ended execution gives: 0 completed, {@link ExitCodes#STOPPED} stopped on
	 * request ({@code --stop}, SIGTERM), else its first known failure's code.
	 */
	public static int exitCode(JobExecution execution) {
		return switch (execution.getStatus()) {
			case COMPLETED -> ExitCodes.OK;
			case STOPPED, STOPPING -> execution.getAllFailureExceptions()
				.stream()
				.map(MigratorFailures::find)
				.filter((known) -> known != null)
				.findFirst()
				.map(MigratorException::exitCode)
				.orElse(ExitCodes.STOPPED);
			default -> MigratorFailures.exitCode(execution.getAllFailureExceptions());
		};
	}

	/** Whether the job (or its policy check) ended with {@link #ALREADY_MIGRATED}. */
	public static boolean alreadyMigrated(ExitStatus exitStatus) {
		return exitStatus.getExitCode().equals(ALREADY_MIGRATED.getExitCode());
	}

	/** Whether the execution ended with {@link #ALREADY_MIGRATED}. */
	public static boolean alreadyMigrated(JobExecution execution) {
		return alreadyMigrated(execution.getExitStatus());
	}

}
