package io.github.chmigrator.policy;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.DdlRewriter;
import io.github.chmigrator.clickhouse.StoragePolicy;
import io.github.chmigrator.clickhouse.TableInfo;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.legacy.ProgressImport;
import io.github.chmigrator.migration.MigrationOutcome;
import io.github.chmigrator.migration.OperatorFlags;
import io.github.chmigrator.migration.OwnedTables;
import io.github.chmigrator.migration.WorkTableMarker;
import io.github.chmigrator.migration.SourceChanges;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.CopiedPartitions;
import io.github.chmigrator.partition.PartitionPlanner;

/**
 * The {@code checkPolicy} step: the server answers, the database and table exist, the table is a
 * MergeTree-family table the migrator supports, and the target policy exists and has an S3 disk.
 * A table already on the target policy ends the job with {@link MigrationOutcome#ALREADY_MIGRATED}, unless the
 * work table shows a swap an earlier run did not finish. Runs on every attempt of the job.
 */
public class CheckPolicyTasklet implements Tasklet {

	private static final Logger logger = LoggerFactory.getLogger(CheckPolicyTasklet.class);

	private static final int TABLES_LISTED = 20;

	private static final String MOVE = TableChecks.MOVE;

	private static final String COPY = "copy";

	private final ClickHouseCatalog catalog;

	private final TableOperations operations;

	private final OwnedTables owned;

	private final ProgressImport progress;

	private final SourceChanges changes;

	private final JobRepository jobRepository;

	private final TableChecks checks;

	private final CopiedPartitions copied;

	private final OperatorFlags flags;

	public CheckPolicyTasklet(JobRepository jobRepository, ClickHouseCatalog catalog, TableOperations operations,
			OwnedTables owned, ProgressImport progress, SourceChanges changes, CopiedPartitions copied,
			OperatorFlags flags) {
		this.flags = flags;
		this.jobRepository = jobRepository;
		this.copied = copied;
		this.catalog = catalog;
		this.operations = operations;
		this.owned = owned;
		this.progress = progress;
		this.changes = changes;
		this.checks = new TableChecks(catalog);
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution execution = contribution.getStepExecution().getJobExecution();
		TableJobParameters job = TableJobParameters.of(execution.getJobParameters());
		String version = this.catalog.serverVersion();
		checkServer(job, execution);
		// a threshold on a name the server never reports would never throttle
		this.flags.checkMetrics();
		TableInfo table = this.checks.table(job);
		List<StoragePolicy> policies = this.catalog.storagePolicies();
		boolean toS3 = TableJobParameters.toS3(execution.getJobParameters());
		StoragePolicy policy = this.checks.targetPolicy(job, policies, toS3);
		boolean workTableExists = checkOwnTables(job, execution, table);
		TableChecks.Choice choice = choice(job, execution, table, policy, policies, workTableExists, toS3);
		this.checks.engine(table, choice, policy);
		this.checks.databaseEngine(job, choice);
		boolean inPlace = choice.inPlace();
		if (table.storagePolicy().equals(policy.name())) {
			if (workTableExists) {
				logger.info("Table {} was swapped by an earlier run that did not finish: resuming", table.qualifiedName());
				return RepeatStatus.FINISHED;
			}
			if (inPlace && (MOVE.equals(execution.getExecutionContext().getString(MigrationOutcome.CHOSEN, ""))
					|| !this.operations.partsOffDisks(job.database(), job.table(), choice.destination().diskNames())
						.isEmpty())) {
				return moveInPlace(contribution, execution, job, table, policy, choice.destination(), version);
			}
			logger.info("Table {} is already on storage policy '{}': nothing to migrate", table.qualifiedName(),
					policy.name());
			contribution.setExitStatus(MigrationOutcome.ALREADY_MIGRATED);
			return RepeatStatus.FINISHED;
		}
		if (inPlace) {
			return moveInPlace(contribution, execution, job, table, policy, choice.destination(), version);
		}
		execution.getExecutionContext().putString(MigrationOutcome.CHOSEN, COPY);
		boolean keepSource = TableJobParameters.flag(contribution.getStepExecution().getJobParameters(),
				TableJobParameters.KEEP_SOURCE);
		boolean started = execution.getExecutionContext().containsKey(PartitionPlanner.PLAN);
		if (!keepSource && !started) {
			checkDetachedParts(job);
		}
		this.changes.baseline(execution, job);
		if (keepSource && this.catalog.table(job.database(), job.originTable()).isPresent()) {
			throw invalid("table %s.%s exists: --keep-source keeps the original table under that name; rename or drop it first"
				.formatted(job.database(), job.originTable()));
		}
		if (started && !movesInFlight(execution)) {
			// an earlier attempt reached the copy and may have died with merges stopped on the source;
			// the workers stop them again while they need to. Not while copied parts are still in the
			// source (a partition COPIED, a catch-up pending): a merge would fold them with newer parts,
			// which no rule can split; the worker that finishes them starts merges again
			this.operations.startMerges(job.database(), job.table());
		}
		logger.info("Table {} ({}, {} rows, {} bytes): storage policy '{}' -> '{}' (S3 disks {}) on ClickHouse {} at {}",
				table.qualifiedName(), table.engine(), table.totalRows(), table.totalBytes(), table.storagePolicy(),
				policy.name(), policy.s3Disks(), version, job.clickhouse());
		return RepeatStatus.FINISHED;
	}

	/**
	 * How the table migrates ({@link TableChecks#choose}): in place when an earlier attempt chose
	 * so; as a copy when a copy has begun (a work table, a plan), which {@code --strategy move}
	 * cannot take over.
	 */
	private TableChecks.Choice choice(TableJobParameters job, JobExecution execution, TableInfo table,
			StoragePolicy target, List<StoragePolicy> policies, boolean workTableExists, boolean toS3) {
		String chosen = execution.getExecutionContext().getString(MigrationOutcome.CHOSEN, "");
		String requested = execution.getJobParameters().getString(TableJobParameters.STRATEGY, "auto");
		if (chosen.equals(MOVE)) {
			String volume = execution.getExecutionContext().getString(MigrationOutcome.MOVE_VOLUME);
			return new TableChecks.Choice(MOVE, "an earlier attempt began moving in place", List.of(),
					target.volume(volume).orElseThrow(() -> invalid(("storage policy '%s' has no volume '%s' any more, "
							+ "where job instance %d moves the parts of %s").formatted(target.name(), volume,
									execution.getJobInstanceId(), job.qualifiedTable()))));
		}
		boolean copyStarted = chosen.equals(COPY) || workTableExists
				|| execution.getExecutionContext().containsKey(PartitionPlanner.PLAN);
		if (requested.equals(MOVE) && copyStarted) {
			throw invalid(("--strategy move: job instance %d has begun copying %s into %s.%s; it cannot continue in "
					+ "place. Rerun with --strategy auto to finish the copy, or --abort it first")
				.formatted(execution.getJobInstanceId(), job.qualifiedTable(), job.database(), job.workTable()));
		}
		if (copyStarted) {
			return new TableChecks.Choice(requested.equals(MOVE) ? "auto" : requested, "a copy has begun", List.of(), null);
		}
		return this.checks.choose(requested, toS3, table, target, policies);
	}

	private RepeatStatus moveInPlace(StepContribution contribution, JobExecution execution, TableJobParameters job,
			TableInfo table, StoragePolicy policy, StoragePolicy.Volume volume, String version) {
		List<String> large = this.catalog.partsTooLargeFor(job.database(), job.table(), policy.name(), volume.name());
		if (!large.isEmpty()) {
			throw invalid(("table %s has %d parts larger than max_data_part_size of volume '%s' of storage policy '%s' (%s): "
					+ "that volume refuses them, so they cannot move there. Raise the volume's max_data_part_size_bytes or "
					+ "choose a policy without that limit; nothing was changed by this run").formatted(table.qualifiedName(),
							large.size(), volume.name(), policy.name(),
							String.join(", ", large.subList(0, Math.min(TABLES_LISTED, large.size())))));
		}
		var context = execution.getExecutionContext();
		context.putString(MigrationOutcome.CHOSEN, MOVE);
		context.putString(MigrationOutcome.MOVE_VOLUME, volume.name());
		context.putString(MigrationOutcome.MOVE_DISKS, String.join(",", volume.diskNames()));
		logger.info("Table {} ({}, {} rows, {} bytes): storage policy '{}' -> '{}' in place on ClickHouse {} at {}: "
				+ "parts move to volume '{}' (disks {}); no second table, no swap", table.qualifiedName(), table.engine(),
				table.totalRows(), table.totalBytes(), table.storagePolicy(), policy.name(), version, job.clickhouse(),
				volume.name(), volume.diskNames());
		StoragePolicy.Volume first = policy.firstVolume();
		context.putString(MigrationOutcome.NEW_INSERTS,
				"volume '%s' (disks %s) of policy '%s'".formatted(first.name(), first.diskNames(), policy.name()));
		if (!first.name().equals(volume.name())) {
			logger.warn("Table {}: new inserts will land on volume '{}' (disks {}), the first volume of policy '{}', "
					+ "not on volume '{}': only the parts there now move", table.qualifiedName(), first.name(),
					first.diskNames(), policy.name(), volume.name());
		}
		if (TableJobParameters.flag(execution.getJobParameters(), TableJobParameters.KEEP_SOURCE)) {
			logger.info("Table {}: --keep-source has no effect in place: there is no second table", table.qualifiedName());
		}
		contribution.setExitStatus(MigrationOutcome.MOVE);
		return RepeatStatus.FINISHED;
	}

	/** Whether an earlier attempt left parts that were copied but not yet dropped from the source. */
	private boolean movesInFlight(JobExecution execution) {
		boolean[] copied = { false };
		this.copied.forEach(execution, (partition) -> copied[0] |= PartitionPlanner.COPIED
			.equals(partition.context().getString(PartitionPlanner.STATE, "")));
		return copied[0] || MigrationOutcome.lastSwapContext(this.jobRepository, execution).containsKey(MigrationOutcome.CATCH_UP_PENDING);
	}

	/** A job instance migrates tables of one server: refuse to run it against another one. */
	private void checkServer(TableJobParameters job, JobExecution execution) {
		String connected = this.catalog.serverIdentity();
		if (job.server() != null && !job.server().equals(connected)) {
			throw invalid("job instance %d migrates %s on server %s, but this run reaches %s (%s); run it against that server"
				.formatted(execution.getJobInstanceId(), job.qualifiedTable(), job.server(), connected,
						this.catalog.endpoint()));
		}
	}

	/**
	 * The work and staging tables, where they exist, must be this instance's ({@link OwnedTables}):
	 * a table of that name it did not create may hold rows that exist nowhere else, so nothing is
	 * reused, cleared or dropped. Records the source table's UUID on the first attempt.
	 * @return whether the work table exists
	 */
	private boolean checkOwnTables(TableJobParameters job, JobExecution execution, TableInfo source) {
		this.owned.recordSource(execution, source);
		for (String[] own : new String[][] { { OwnedTables.WORK, job.workTable() }, { OwnedTables.STAGING, job.stagingTable() } }) {
			TableInfo existing = this.catalog.table(job.database(), own[1]).orElse(null);
			if (existing != null && own[0].equals(OwnedTables.WORK) && !this.owned.owns(execution, own[0], existing)
					&& accountedForByProgressFile(job, execution)) {
				logger.info("Table {}: work table {} is accounted for by the progress file ({}): resuming with it",
						job.qualifiedTable(), existing.qualifiedName(), this.progress.file());
				this.owned.adopt(execution, OwnedTables.WORK, existing);
			}
			if (existing != null && !this.owned.owns(execution, own[0], existing) && leftByLostRun(job, existing, source)) {
				logger.warn("Table {}: {} was made by job instance {} of the migrator (its comment says so), whose record "
						+ "is gone (a lost JobRepository or another working directory); the source kept every row, so it "
						+ "is dropped and the copy starts over", job.qualifiedTable(), existing.qualifiedName(),
						WorkTableMarker.of(DdlRewriter.comment(existing.createTableQuery())).orElseThrow().jobInstance());
				this.operations.dropTable(job.database(), existing.name());
				existing = null;
			}
			if (existing != null && !this.owned.owns(execution, own[0], existing)) {
				throw invalid(("table %s.%s exists, and job instance %d did not create it: it is a table of yours, or was "
						+ "left by a run whose JobRepository is gone (another working directory, a lost ./data). It may hold "
						+ "rows that exist nowhere else, so nothing was changed. If it is a leftover, compare it with %s: "
						+ "move rows missing from %s back (ALTER TABLE %s ATTACH PARTITION ID '…' FROM %s.%s), then drop it "
						+ "and rerun; otherwise rename it").formatted(job.database(), own[1], execution.getJobInstanceId(),
								job.qualifiedTable(), job.qualifiedTable(), job.qualifiedTable(), job.database(), own[1]));
			}
		}
		return this.catalog.table(job.database(), job.workTable()).isPresent();
	}


	/**
	 * Whether a work or staging table this instance did not create was left by a migrator run that
	 * kept the source whole, for this very source table (its marker names the source's name and
	 * UUID: the source was not swapped), and holds no detached part: it then holds only copies of
	 * rows the source still has, and may go.
	 */
	private boolean leftByLostRun(TableJobParameters job, TableInfo existing, TableInfo source) {
		return WorkTableMarker.of(DdlRewriter.comment(existing.createTableQuery()))
			.filter((marker) -> marker.wholeSource() && marker.marks(job.qualifiedTable(), source.uuid()))
			.isPresent() && this.catalog.detachedParts(job.database(), existing.name()).isEmpty();
	}

	/**
	 * Detached parts live in the table's directory and go with it: the old table is dropped after
	 * the swap, so they are refused before anything starts (kept with {@code --keep-source}). Parts
	 * detached once the copy has begun keep the old table instead (see the swap).
	 */
	private void checkDetachedParts(TableJobParameters job) {
		List<String> detached = this.catalog.detachedParts(job.database(), job.table());
		if (!detached.isEmpty()) {
			throw invalid(("table %s has %d detached parts (%s): they would be removed with the old table after the "
					+ "swap. Attach them (ALTER TABLE … ATTACH PART '…'), remove them (ALTER TABLE … DROP DETACHED PART '…'), "
					+ "or run with --keep-source, which keeps the old table and its detached parts as %s.%s")
				.formatted(job.qualifiedTable(), detached.size(),
						String.join(", ", detached.subList(0, Math.min(detached.size(), TABLES_LISTED))), job.database(),
						job.originTable()));
		}
	}

	/**
	 * With {@code --resume}, a work table the original script's progress file (or an earlier run's
	 * export of it) records as unfinished is accounted for by that file: its recorded partitions are
	 * verified, not copied again.
	 */
	private boolean accountedForByProgressFile(TableJobParameters job, JobExecution execution) {
		return TableJobParameters.flag(execution.getJobParameters(), TableJobParameters.RESUME)
				&& this.progress.unfinished(job.qualifiedTable()).isPresent();
	}




	private static MigratorException invalid(String message) {
		return new MigratorException(ExitCodes.INVALID, message);
	}

}
