package io.github.chmigrator.job;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;

import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.MigratorFailures;
import io.github.chmigrator.migration.TableJobParameters;

/**
 * Logs why a step failed, for the operator: a {@link MigratorException} as its one-line message,
 * anything else with its stack trace. (Spring Batch's own step error log is switched off in
 * {@code application.yml} so that a wrong policy name is one line, not forty.)
 */
public class StepOutcomeListener implements StepExecutionListener {

	private static final Logger logger = LoggerFactory.getLogger(StepOutcomeListener.class);

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
		return null;
	}

}
