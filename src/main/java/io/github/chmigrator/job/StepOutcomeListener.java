package io.github.chmigrator.job;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.Map;
import java.util.Set;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;

import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.MigratorFailures;
import io.github.chmigrator.migration.Hooks;
import io.github.chmigrator.migration.ProgressTracker;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.PartitionPlanner;

/**
 * Logs why a step failed, for the operator: a {@link MigratorException} as its one-line message,
 * anything else with its stack trace. (Spring Batch's own step error log is switched off in
 * {@code application.yml} so that a wrong policy name is one line, not forty.) Also tells the
 * {@link ProgressTracker} which phase each table is in, and calls the {@code on-validated} hook.
 */
public class StepOutcomeListener implements StepExecutionListener {

	private static final Logger logger = LoggerFactory.getLogger(StepOutcomeListener.class);

	private static final Set<String> VALIDATIONS = Set.of("validateTable", "validateMoves");

	private final ProgressTracker progress;

	private final Hooks hooks;

	public StepOutcomeListener(ProgressTracker progress, Hooks hooks) {
		this.progress = progress;
		this.hooks = hooks;
	}

	/** The phase the table is in, for the status: each step but a partition's worker. */
	@Override
	public void beforeStep(StepExecution stepExecution) {
		if (!PartitionPlanner.isWorker(stepExecution.getStepName())) {
			this.progress.phase(TableJobParameters.of(stepExecution.getJobParameters()).qualifiedTable(),
					stepExecution.getStepName());
		}
	}

	@Override
	public ExitStatus afterStep(StepExecution stepExecution) {
		String table = TableJobParameters.of(stepExecution.getJobParameters()).qualifiedTable();
		for (Throwable failure : stepExecution.getFailureExceptions()) {
			MigratorException known = MigratorFailures.find(failure);
			if (MigratorFailures.isPartitionSummary(failure)) {
				logger.error("Table {} step {} failed: {}", table, stepExecution.getStepName(), failure.getMessage());
			}
			else if (known != null) {
				logger.error("Table {} step {} failed: {}", table, stepExecution.getStepName(), known.getMessage());
			}
			else {
				logger.error("Table {} step {} failed", table, stepExecution.getStepName(), failure);
			}
		}
		if (VALIDATIONS.contains(stepExecution.getStepName()) && stepExecution.getStatus() == BatchStatus.COMPLETED) {
			this.hooks.run(Hooks.ON_VALIDATED, stepExecution.getJobExecution(), Map.of());
		}
		return null;
	}

}
