package io.github.chmigrator.migration;

import java.util.List;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.MutationInfo;
import io.github.chmigrator.clickhouse.TableInfo;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

/**
 * Changes to the source's rows that the moved partitions do not have. A partition moved to the
 * work table no longer receives what the source receives: a mutation ({@code ALTER … UPDATE /
 * DELETE}, a lightweight {@code DELETE}, {@code MATERIALIZE …}, {@code APPLY PATCHES}, a column
 * change that rewrites parts), a lightweight {@code UPDATE} (new patch parts), the table dropped
 * and created anew. Replaying them on the work table is exact only in cases the migrator cannot
 * tell apart from the others (an {@code UPDATE x = x + 1} applied twice, a {@code DELETE} that
 * would also remove rows inserted after it), so such a change stops the table before the swap,
 * saying what happened and what to do; {@code --accept-source-changes} takes the source as it is
 * now as the new baseline once the operator carried the change to the work table. Unfinished
 * mutations before the run starts are refused: a copied part would not carry them.
 *
 * <p>Job ExecutionContext keys: {@value #LAST_MUTATION} the number of the newest mutation when the
 * job began; {@value #LAST_PATCH_BLOCK} the newest patch part's block number then; {@value #ACCEPTED}
 * set once changes were accepted (validation then reports the work table's differences from what
 * was copied instead of failing on them).
 */
public class SourceChanges {

	public static final String LAST_MUTATION = "source.lastMutation";

	public static final String LAST_PATCH_BLOCK = "source.lastPatchBlock";

	/** Set once an operator accepted changes with {@code --accept-source-changes}. */
	public static final String ACCEPTED = "source.accepted";

	private static final Logger logger = LoggerFactory.getLogger(SourceChanges.class);

	private final TableOperations operations;

	private final ClickHouseCatalog catalog;

	private final RemovedPartitions removed;

	public SourceChanges(TableOperations operations, ClickHouseCatalog catalog, RemovedPartitions removed) {
		this.operations = operations;
		this.catalog = catalog;
		this.removed = removed;
	}

	/**
	 * Records what the source has received so far: on the job's first attempt (refusing unfinished
	 * mutations then), and again with {@code --accept-source-changes}.
	 */
	public void baseline(JobExecution execution, TableJobParameters job) {
		ExecutionContext context = execution.getExecutionContext();
		if (TableJobParameters.sourceWhole(execution.getJobParameters())) {
			// the source keeps every row: its changes are carried from system.parts before the cut-over
			return;
		}
		boolean accept = TableJobParameters.flag(execution.getJobParameters(), TableJobParameters.ACCEPT_SOURCE_CHANGES);
		if (context.containsKey(LAST_MUTATION) && !accept) {
			return;
		}
		if (!context.containsKey(LAST_MUTATION) && !this.removed.logReadable(job)) {
			throw new MigratorException(ExitCodes.INVALID, ("--free-local-per-partition: system.query_log cannot be read "
					+ "on this server (not kept, or no SELECT on it), so a partition dropped, detached, replaced or "
					+ "truncated after it was copied and freed could not be seen, and its rows would come back after the "
					+ "cut-over. Grant SELECT on system.query_log, or run without the flag (the source then stays whole); "
					+ "nothing was changed").formatted());
		}
		List<MutationInfo> mutations = this.operations.mutations(job.database(), job.table());
		if (!context.containsKey(LAST_MUTATION)) {
			List<MutationInfo> unfinished = mutations.stream().filter((mutation) -> !mutation.done()).toList();
			if (!unfinished.isEmpty()) {
				throw new MigratorException(ExitCodes.FAILED, ("%s has %d unfinished mutations (%s): a copied part would "
						+ "not carry them. Wait until they finish (SELECT mutation_id, command, parts_to_do FROM "
						+ "system.mutations WHERE NOT is_done), then rerun; nothing was changed")
					.formatted(job.qualifiedTable(), unfinished.size(), describe(unfinished)));
			}
		}
		else {
			logger.warn("Table {}: --accept-source-changes: the source's changes since the run began are taken as "
					+ "carried to {}", job.qualifiedTable(), job.workTable());
			context.putString(ACCEPTED, "true");
			// partitions removed from the source are still carried where that is exact
			this.removed.carry(execution, job, true);
		}
		context.putLong(LAST_MUTATION, mutations.stream().mapToLong(MutationInfo::number).max().orElse(0));
		context.putLong(LAST_PATCH_BLOCK, this.operations.lastPatchBlock(job.database(), job.table()));
		if (!context.containsKey(RemovedPartitions.SINCE)) {
			this.removed.baseline(context);
		}
	}

	/**
	 * Whether an operator accepted source changes for this job: the work table may then differ from
	 * what the workers recorded, by what the operator carried over.
	 */
	public static boolean accepted(JobExecution execution) {
		return execution.getExecutionContext().containsKey(ACCEPTED);
	}

	/**
	 * Stops the table (before the swap) if the source changed in a way the moved partitions do not
	 * have since {@link #baseline}.
	 * @param patches whether to look for new patch parts too: a read of every part of the table, so
	 * only before moves into the work table (validation, the swap), not for each partition. A
	 * partition copied meanwhile is exact anyway (its unapplied patches make {@code ATTACH} refuse and
	 * {@code INSERT} read the patched rows); one moved before is what stops the table then.
	 */
	public void check(JobExecution execution, TableJobParameters job, boolean patches) {
		ExecutionContext context = execution.getExecutionContext();
		if (!context.containsKey(LAST_MUTATION)) {
			return;
		}
		String sourceUuid = context.getString(OwnedTables.SOURCE_UUID, null);
		TableInfo source = this.catalog.table(job.database(), job.table()).orElse(null);
		if (source == null || (sourceUuid != null && !sourceUuid.equals(TableInfo.NO_UUID)
				&& !sourceUuid.equals(source.uuid()))) {
			throw stop(job, "the table was " + ((source == null) ? "dropped or renamed" : "dropped and created anew")
					+ " during the run", "put the moved partitions back or rerun with --accept-source-changes if "
							+ job.workTable() + " should replace the new table");
		}
		List<MutationInfo> since = mutationsSince(execution, job);
		if (!since.isEmpty()) {
			throw stop(job, "it received %d mutations during the run (%s)".formatted(since.size(), describe(since)),
					"apply the same to " + job.database() + "." + job.workTable() + " (SYSTEM START MERGES on it first; "
							+ "the rerun stops them again), then rerun with --accept-source-changes");
		}
		if (patches && this.operations.lastPatchBlock(job.database(), job.table()) > context.getLong(LAST_PATCH_BLOCK, 0)) {
			throw stop(job, "it received a lightweight UPDATE during the run (new patch parts)",
					"apply the same UPDATE to " + job.database() + "." + job.workTable()
							+ ", then rerun with --accept-source-changes");
		}
	}

	/**
	 * Partitions removed from the source after they moved are removed from the work table too, or
	 * the table stops ({@link RemovedPartitions}).
	 */
	public void carryRemovedPartitions(JobExecution execution, TableJobParameters job, boolean accept) {
		this.removed.carry(execution, job, accept);
	}

	/** The mutations the source received since the baseline; none before a baseline was taken. */
	public List<MutationInfo> mutationsSince(JobExecution execution, TableJobParameters job) {
		if (!execution.getExecutionContext().containsKey(LAST_MUTATION)) {
			return List.of();
		}
		long lastMutation = execution.getExecutionContext().getLong(LAST_MUTATION);
		return this.operations.mutations(job.database(), job.table())
			.stream()
			.filter((mutation) -> mutation.number() > lastMutation)
			.toList();
	}

	private static MigratorException stop(TableJobParameters job, String what, String todo) {
		return new MigratorException(ExitCodes.FAILED, ("%s changed in a way the partitions already moved to %s do not "
				+ "have: %s. Nothing was swapped and no row is lost; %s")
			.formatted(job.qualifiedTable(), job.workTable(), what, todo));
	}

	private static String describe(List<MutationInfo> mutations) {
		return mutations.stream()
			.map((mutation) -> mutation.id() + " " + mutation.command().strip() + " at " + mutation.createTime())
			.collect(Collectors.joining("; "));
	}

}
