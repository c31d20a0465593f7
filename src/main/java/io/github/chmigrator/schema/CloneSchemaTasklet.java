package io.github.chmigrator.schema;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.DdlRewriter;
import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.clickhouse.TableInfo;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.legacy.ProgressFile.TableProgress;
import io.github.chmigrator.legacy.ProgressImport;
import io.github.chmigrator.migration.OwnedTables;
import io.github.chmigrator.migration.TableJobParameters;

/**
 * The {@code cloneSchema} step: creates the work table ({@link TableJobParameters#workTable()})
 * from the source's {@code SHOW CREATE TABLE} with only the storage policy changed, and checks
 * the server made exactly that. The table is first recorded ({@link OwnedTables}, committed by a
 * first call), then created with the recorded UUID, so that a crash in between is decided on the
 * rerun. A work table this instance created in an earlier attempt is reused when its definition
 * matches, refused otherwise ({@code checkPolicy} already refused one it did not create).
 * Background merges on the work table stay stopped until the swap, so that rows are validated
 * exactly as they were copied (Summing and Collapsing merges fold rows).
 */
public class CloneSchemaTasklet implements Tasklet {

	private static final Logger logger = LoggerFactory.getLogger(CloneSchemaTasklet.class);

	private final TableOperations operations;

	private final ClickHouseCatalog catalog;

	private final ProgressImport progress;

	private final OwnedTables owned;

	public CloneSchemaTasklet(TableOperations operations, ClickHouseCatalog catalog, ProgressImport progress,
			OwnedTables owned) {
		this.operations = operations;
		this.catalog = catalog;
		this.progress = progress;
		this.owned = owned;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution execution = contribution.getStepExecution().getJobExecution();
		TableJobParameters job = TableJobParameters.of(execution.getJobParameters());
		String source = this.operations.showCreateTable(job.database(), job.table());
		String expected = DdlRewriter.normalize(source);
		if (TableJobParameters.flag(execution.getJobParameters(), TableJobParameters.RESUME)
				&& adoptTargetOfProgressFile(execution, job, expected)) {
			return RepeatStatus.CONTINUABLE;
		}
		if (this.catalog.table(job.database(), job.workTable()).isPresent()) {
			requireSameDefinition(job, expected, "exists already and is not a copy of " + job.qualifiedTable()
					+ "; rename or drop it, then rerun");
			logger.info("Table {}: reusing work table {} from an earlier run", job.qualifiedTable(), job.workTable());
		}
		else {
			String uuid = this.owned.reserved(execution, OwnedTables.WORK);
			if (uuid == null) {
				this.owned.reserve(execution, OwnedTables.WORK, this.catalog.isAtomic(job.database()));
				return RepeatStatus.CONTINUABLE;
			}
			this.operations.createTable(OwnedTables.workTableDdl(source, execution, uuid));
			requireSameDefinition(job, expected, "was created but its definition differs from " + job.qualifiedTable());
			logger.info("Table {}: created work table {} on storage policy '{}'", job.qualifiedTable(), job.workTable(),
					job.targetPolicy());
		}
		this.operations.stopMerges(job.database(), job.workTable());
		return RepeatStatus.FINISHED;
	}

	/**
	 * With {@code --resume}, the target table an unfinished progress file names becomes the work
	 * table (renamed), so that the partitions it holds are verified there instead of copied again.
	 * It is recorded as this instance's work table first (and the record committed), then renamed.
	 * @return whether it was just recorded: the caller returns so that the record commits
	 */
	private boolean adoptTargetOfProgressFile(JobExecution execution, TableJobParameters job, String expected) {
		String target = this.progress.unfinished(job.qualifiedTable()).map(TableProgress::targetTable).orElse(null);
		if (target == null || target.equals(job.workTable()) || this.catalog.table(job.database(), target).isEmpty()
				|| this.catalog.table(job.database(), job.workTable()).isPresent()) {
			return false;
		}
		requireSameDefinition(job, target, expected, "is named by the progress file but is not a copy of "
				+ job.qualifiedTable() + " on policy '" + job.targetPolicy() + "'");
		TableInfo adopted = this.catalog.table(job.database(), target).orElseThrow();
		if (!this.owned.owns(execution, OwnedTables.WORK, adopted)) {
			this.owned.adopt(execution, OwnedTables.WORK, adopted);
			return true;
		}
		this.operations.renameTable(job.database(), target, job.workTable());
		logger.info("Table {}: adopted {} from the progress file as work table {}", job.qualifiedTable(), target,
				job.workTable());
		return false;
	}

	private void requireSameDefinition(TableJobParameters job, String expected, String problem) {
		requireSameDefinition(job, job.workTable(), expected, problem);
	}

	private void requireSameDefinition(TableJobParameters job, String table, String expected, String problem) {
		String work = this.operations.showCreateTable(job.database(), table);
		String policy = DdlRewriter.settingsValue(work, "storage_policy");
		if (!DdlRewriter.normalize(work).equals(expected) || policy == null || !policy.equals(Sql.literal(job.targetPolicy()))) {
			throw new MigratorException(ExitCodes.FAILED, "table " + job.database() + "." + table + " " + problem
					+ " (expected: " + expected + "; found: " + DdlRewriter.normalize(work) + ", storage_policy " + policy + ")");
		}
	}

}
