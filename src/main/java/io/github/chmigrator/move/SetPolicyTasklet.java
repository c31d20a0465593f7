package io.github.chmigrator.move;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.TableInfo;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.migration.TableJobParameters;

/**
 * The {@code setPolicy} step of an in-place migration: {@code ALTER TABLE … MODIFY SETTING
 * storage_policy}. It changes metadata only: every part stays where it is and stays readable; from
 * then on new parts are written to the new policy's first volume. Runs on every attempt (an operator
 * may have set the policy back meanwhile) and is idempotent: a rerun after a kill right after the
 * statement finds the table on the policy and does nothing.
 */
public class SetPolicyTasklet implements Tasklet {

	private static final Logger logger = LoggerFactory.getLogger(SetPolicyTasklet.class);

	private final ClickHouseCatalog catalog;

	private final TableOperations operations;

	public SetPolicyTasklet(ClickHouseCatalog catalog, TableOperations operations) {
		this.catalog = catalog;
		this.operations = operations;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		TableJobParameters job = TableJobParameters.of(contribution.getStepExecution().getJobParameters());
		TableInfo table = this.catalog.table(job.database(), job.table())
			.orElseThrow(() -> new MigratorException(ExitCodes.FAILED, "table %s is gone".formatted(job.qualifiedTable())));
		if (table.storagePolicy().equals(job.targetPolicy())) {
			logger.info("Table {} is on storage policy '{}' already", job.qualifiedTable(), job.targetPolicy());
			return RepeatStatus.FINISHED;
		}
		this.operations.client().withRetry(() -> {
			this.operations.modifyStoragePolicy(job.database(), job.table(), job.targetPolicy());
			return null;
		});
		logger.info("Table {}: storage policy '{}' -> '{}' (MODIFY SETTING; the parts move next)", job.qualifiedTable(),
				table.storagePolicy(), job.targetPolicy());
		return RepeatStatus.FINISHED;
	}

}
