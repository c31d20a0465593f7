package io.github.chmigrator.copy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.transaction.PlatformTransactionManager;

import io.github.chmigrator.clickhouse.PartInfo;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.faults.FailurePoints;
import io.github.chmigrator.migration.MergeControl;
import io.github.chmigrator.migration.SourceGuard;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.BlockRanges;
import io.github.chmigrator.partition.CopiedSourceParts;
import io.github.chmigrator.partition.BatchRecords;
import io.github.chmigrator.partition.PartitionBatches;
import io.github.chmigrator.partition.PartitionPlanner;
import io.github.chmigrator.partition.PlanOrderSplitter.Start;

/**
 * Copies a batch of small partitions with a handful of statements instead of a dozen per
 * partition (design §13.2), before their worker steps run. Each partition keeps its own worker
 * step and ExecutionContext, and passes through the same recorded states as with
 * {@link CopyPartitionTasklet}, in the same order, so a crash at any instant leaves every
 * partition where the worker resumes it:
 * <ol>
 * <li>the source check and the definition sync once; merges stopped once; the parts of both
 * tables read in one query (a partition whose work partition holds parts, whose source has none or
 * has lightweight-deleted rows is left to its worker);</li>
 * <li>one {@code ALTER … ATTACH PARTITION ID … FROM …, …}; the copied rows counted in one query,
 * against the listed parts' rows; {@code COPIED} recorded for every partition that matches, in one
 * JobRepository transaction (a partition that changed meanwhile is cleared in the work table and
 * left to its worker, which copies it again);</li>
 * <li>the source check again; the source parts read in one query and exactly the copied ones
 * dropped with one {@code ALTER … DROP PART …, …}; {@code DONE} recorded in one transaction.</li>
 * </ol>
 * Whatever the batch does not bring to {@code DONE} its worker step finishes, from the recorded
 * state, as it would after a crash: a failure of a statement the batch shares is logged and left
 * to the workers; a failure that belongs to one partition (a failure point, a part that merged
 * copied rows with later ones) fails that partition's worker step with the same exception. The
 * copy worker's pause ({@code --insert-interval}, {@code --max-bytes-per-second}) comes after the
 * batch's last partition.
 */
public class CopyBatch implements PartitionBatches {

	private static final Logger logger = LoggerFactory.getLogger(CopyBatch.class);

	private final TableOperations operations;

	private final CopyStrategies strategies;

	private final MergeControl merges;

	private final FailurePoints failurePoints;

	private final SourceGuard guard;

	private final BatchRecords records;

	public CopyBatch(TableOperations operations, CopyStrategies strategies, MergeControl merges,
			FailurePoints failurePoints, SourceGuard guard, JobRepository jobRepository,
			PlatformTransactionManager transactionManager) {
		this.operations = operations;
		this.strategies = strategies;
		this.merges = merges;
		this.failurePoints = failurePoints;
		this.guard = guard;
		this.records = new BatchRecords(jobRepository, transactionManager);
	}

	/**
	 * The partitions whose workers run, in groups to run one after the other: consecutive
	 * partitions not started yet, each at most {@code maxBytes}, up to {@code maxPartitions} and
	 * {@code maxBytes} together; every other partition alone. No batches for {@code --strategy insert},
	 * {@code --verify checksum}, or once the server refused {@code attach}.
	 */
	@Override
	public List<List<Start>> groups(List<Start> starts, JobParameters parameters, int maxPartitions, long maxBytes) {
		return PartitionBatches.groups(starts, !starts.isEmpty() && batching(parameters), maxPartitions, maxBytes);
	}

	private boolean batching(JobParameters parameters) {
		String requested = parameters.getString(TableJobParameters.STRATEGY, "auto");
		return !"checksum".equals(parameters.getString(TableJobParameters.VERIFY))
				&& this.strategies.select(requested).name().equals("attach");
	}

	/**
	 * Copies the batch's partitions (a group of {@link #groups} with more than one) as far as it
	 * can; never throws: what it leaves undone, the workers do or fail with.
	 */
	@Override
	public void run(List<StepExecution> batch) {
		this.records.started(batch);
		Batch run = new Batch(batch);
		try {
			run.copy();
			if (!run.recorded.isEmpty()) {
				run.drop();
			}
			run.release();
		}
		catch (RuntimeException ex) {
			logger.warn("Table {}: the batch of {} partitions from {} stopped ({}); its partitions continue one by one",
					run.job.qualifiedTable(), batch.size(), run.members.keySet().iterator().next(), ex.getMessage());
			try {
				run.release();
			}
			catch (RuntimeException notReleased) {
				// the workers stop and start merges again
				logger.debug("Table {}: merges not started again after the batch: {}", run.job.qualifiedTable(),
						notReleased.getMessage());
			}
		}
	}

	/** The failure a batch met for this partition, once; {@code null} without one. */
	public RuntimeException takeFailure(StepExecution execution) {
		return this.records.takeFailure(execution);
	}

	/** Whether another partition of its batch follows this one (then no pause after it). */
	public boolean continues(StepExecution execution) {
		return this.records.continues(execution);
	}

	/** One batch in flight. */
	private final class Batch {

		private final TableJobParameters job;

		private final JobExecution execution;

		/** The batch's worker step executions by partition id, in plan order. */
		private final Map<String, StepExecution> members = new LinkedHashMap<>();

		/** The parts copied and recorded, by partition id. */
		private final Map<String, List<PartInfo>> recorded = new LinkedHashMap<>();

		private boolean holding;

		Batch(List<StepExecution> batch) {
			this.job = TableJobParameters.of(batch.get(0).getJobParameters());
			this.execution = batch.get(0).getJobExecution();
			batch.forEach((step) -> this.members.put(step.getExecutionContext().getString(PartitionPlanner.PARTITION_ID), step));
		}

		void copy() {
			String database = this.job.database();
			long started = System.nanoTime();
			// as the worker: the source changed in no way the moved partitions lack, ADD COLUMN carried over
			operations.client().withRetry(() -> guard.verify(this.execution, this.job, this.job.workTable()));
			operations.stopMerges(database, this.job.workTable());
			merges.holdAll(database, this.job.table(), this.members.keySet());
			this.holding = true;
			long listed = System.currentTimeMillis();
			// before the parts: a patch written after this is not taken as copied
			Map<String, Set<String>> patches = operations.patchParts(database, this.job.table());
			Map<String, List<PartInfo>> source = operations.activePartsOf(database, this.job.table(), this.members.keySet());
			Map<String, List<PartInfo>> target = operations.activePartsOf(database, this.job.workTable(), this.members.keySet());
			List<String> ids = this.members.keySet()
				.stream()
				.filter((id) -> target.get(id).isEmpty() && !source.get(id).isEmpty()
						&& source.get(id).stream().noneMatch(PartInfo::masked))
				.toList();
			if (ids.isEmpty()) {
				return;
			}
			// a rerun after a crash from here on may clear these work partitions whatever the source holds by then
			ids.forEach((id) -> this.members.get(id).getExecutionContext().putString(PartitionPlanner.COPYING, "true"));
			save(ids);
			operations.attachPartitionsFrom(database, this.job.workTable(), this.job.table(), ids);
			List<String> attached = ids.stream().filter((id) -> reached("copy.afterCopy", id)).toList();
			Map<String, Long> copied = operations.partitionRowsOf(database, this.job.workTable(), attached);
			Map<String, List<PartInfo>> after = operations.activePartsOf(database, this.job.table(), attached);
			List<String> changed = new ArrayList<>();
			double seconds = (System.nanoTime() - started) / 1e9 / ids.size();
			for (String id : attached) {
				long rows = source.get(id).stream().mapToLong(PartInfo::rows).sum();
				// every listed part still there: the rows copied are those parts' (not as many in others)
				if (copied.get(id) == rows && after.get(id).containsAll(source.get(id))) {
					ExecutionContext context = this.members.get(id).getExecutionContext();
					CopyPartitionTasklet.recordCopied(context, "attach", source.get(id), rows, seconds, 1);
					context.putString(PartitionPlanner.COPIED_PATCHES, String.join(",", patches.getOrDefault(id, Set.of())));
					context.putLong(PartitionPlanner.COPY_STARTED_AT, listed);
					this.recorded.put(id, source.get(id));
				}
				else {
					changed.add(id);
				}
			}
			// a partition that changed while copied: its worker copies it again, into a clear partition
			operations.dropPartitions(database, this.job.workTable(), changed);
			try {
				save(this.recorded.keySet());
			}
			catch (RuntimeException ex) {
				// not recorded: their workers clear the work partitions and copy them again
				this.recorded.keySet().forEach((id) -> {
					ExecutionContext context = this.members.get(id).getExecutionContext();
					context.remove(PartitionPlanner.STATE);
					context.putString(PartitionPlanner.COPYING, "true");
				});
				this.recorded.clear();
				throw ex;
			}
		}

		void drop() {
			// a changed or replaced source (whose new parts may even bear the copied parts' names) keeps its parts
			guard.checkSource(this.execution, this.job);
			List<String> moved = new ArrayList<>(this.recorded.keySet());
			if (!TableJobParameters.sourceWhole(this.execution.getJobParameters())) {
				Map<String, List<PartInfo>> now = operations.activePartsOf(this.job.database(), this.job.table(), moved);
				List<String> parts = new ArrayList<>();
				List<String> dropped = new ArrayList<>();
				for (String id : this.recorded.keySet()) {
					List<String> copied = copiedParts(id, now.get(id));
					if (copied == null) {
						moved.remove(id);
					}
					else if (!copied.isEmpty()) {
						parts.addAll(copied);
						dropped.add(id);
					}
				}
				operations.dropParts(this.job.database(), this.job.table(), parts);
				dropped.stream().filter((id) -> !reached("copy.afterDropPart", id)).forEach(moved::remove);
			}
			moved.forEach((id) -> CopyPartitionTasklet.recordMoved(this.members.get(id).getExecutionContext()));
			save(moved);
		}

		/** The partition's copied parts the source still holds; {@code null} (and its failure) for a mixed one. */
		private List<String> copiedParts(String partitionId, List<PartInfo> parts) {
			ExecutionContext context = this.members.get(partitionId).getExecutionContext();
			CopiedSourceParts.Selection selection = CopiedSourceParts.select(parts,
					BlockRanges.parse(context.getString(PartitionPlanner.COPIED_BLOCKS, "")));
			if (selection.mixed() != null) {
				failed(partitionId, CopyPartitionTasklet.mergedWithLaterRows(this.job, partitionId, selection.mixed()));
				return null;
			}
			return selection.copied().stream().map(PartInfo::name).toList();
		}

		private boolean reached(String point, String partitionId) {
			try {
				failurePoints.reached(point, partitionId);
				return true;
			}
			catch (RuntimeException ex) {
				failed(partitionId, ex);
				return false;
			}
		}

		private void failed(String partitionId, RuntimeException failure) {
			records.failed(this.members.get(partitionId), failure);
		}

		/** The partitions' ExecutionContexts, in one JobRepository transaction. */
		private void save(Collection<String> partitionIds) {
			records.save(partitionIds.stream().map(this.members::get).toList());
		}

		/**
		 * Merges start again once no partition needs them stopped: a partition left {@code COPIED}
		 * keeps them stopped until its worker has dropped its copied parts (a merge would fold them
		 * with later inserts).
		 */
		void release() {
			if (!this.holding) {
				return;
			}
			List<String> released = this.members.entrySet()
				.stream()
				.filter((member) -> !PartitionPlanner.COPIED
					.equals(member.getValue().getExecutionContext().getString(PartitionPlanner.STATE, "")))
				.map(Map.Entry::getKey)
				.toList();
			merges.releaseAll(this.job.database(), this.job.table(), released);
		}

	}

}
