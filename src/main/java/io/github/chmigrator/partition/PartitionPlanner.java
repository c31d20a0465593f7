package io.github.chmigrator.partition;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.github.chmigrator.clickhouse.PartitionInfo;

/**
 * Makes one ExecutionContext per source partition for the {@code copyPartitions} step, from the
 * plan the {@code planPartitions} step stored in the job's ExecutionContext (so a restart finds
 * the same partitions, even those the first run already dropped from the source).
 *
 * <p>The partition's step is named {@code copyPartition:p<partition id>}. Its ExecutionContext
 * holds the keys declared here; the planner writes the first group, the copy worker the second.
 * <ul>
 * <li>{@link #PARTITION_ID}: the ClickHouse partition id ({@code _partition_id})</li>
 * <li>{@link #PARTITION}: the printable partition value, for logs and reports</li>
 * <li>{@link #PLANNED_ROWS}, {@link #PLANNED_BYTES}: the partition's rows and bytes when planned</li>
 * <li>{@link #INDEX}, {@link #COUNT}: its position {@code [i/n]} in the plan</li>
 * <li>{@link #IMPORTED}: {@code true} for a partition only the progress file knows (copied by an
 * earlier run, gone from the source): verified in the target, not copied; {@link #NOTE}: why a
 * partition is handled specially, for the report</li>
 * <li>{@link #COPYING}: a batch began copying the partition (its work partition may hold rows not recorded yet)</li>
 * <li>{@link #STATE}: {@code COPIED} once the copy is verified in the target (recorded before any
 * source part is dropped), {@code DONE} once the source parts are dropped (or kept)</li>
 * <li>{@link #COPIED_PARTS}, {@link #COPIED_BLOCKS}: the source parts copied (comma-separated
 * names) and their block ranges ({@code min-max,…}); later inserts are told apart by block number</li>
 * <li>{@link #COPIED_ROWS}: rows verified in the target partition; {@link #CHECKSUM}: their hash
 * with {@code --verify checksum}</li>
 * <li>{@link #STRATEGY}: the copy strategy that ran; {@link #SECONDS}: the copy's duration;
 * {@link #ATTEMPTS}: copy attempts (a partition that changed while copied is copied again)</li>
 * </ul>
 */
public class PartitionPlanner implements Partitioner {

	public static final String PARTITION_ID = "partitionId";

	public static final String PARTITION = "partition";

	public static final String PLANNED_ROWS = "plannedRows";

	public static final String PLANNED_BYTES = "plannedBytes";

	public static final String INDEX = "index";

	public static final String COUNT = "count";

	public static final String IMPORTED = "imported";

	public static final String NOTE = "note";

	public static final String STATE = "state";

	/** {@link #STATE}: the copy is verified in the target and recorded; source parts may be dropped. */
	public static final String COPIED = "COPIED";

	/** {@link #STATE}: the source parts are dropped (or kept with {@code --keep-source}). */
	public static final String DONE = "DONE";

	/**
	 * Set (in a batch, before its {@code ATTACH}) while a copy of this job instance may fill the
	 * work partition without a record yet: no source part of the partition was dropped, so a rerun
	 * may clear the work partition whatever the source holds by then.
	 */
	public static final String COPYING = "copying";

	/**
	 * Set when the partition was not copied because the source's definition changed in a way only a
	 * new work table carries: the catch-up copies it (with the source kept whole).
	 */
	public static final String DEFERRED = "deferred";

	public static final String COPIED_PARTS = "copiedParts";

	/** The partition's patch parts (lightweight {@code UPDATE}s) when it was listed for the copy, comma-separated. */
	public static final String COPIED_PATCHES = "copiedPatches";

	/** The copied parts' {@code hash_of_all_files}, {@code name:hash} comma-separated (a mutation that did not touch a part keeps it). */
	public static final String COPIED_HASHES = "copiedHashes";

	public static final String COPIED_BLOCKS = "copiedBlocks";

	public static final String COPIED_ROWS = "copiedRows";

	public static final String CHECKSUM = "checksum";

	public static final String STRATEGY = "strategy";

	public static final String SECONDS = "seconds";

	public static final String ATTEMPTS = "attempts";

	/** When the copy that was recorded began listing the source parts (epoch ms, {@link MoveWindows}). */
	public static final String COPY_STARTED_AT = "copyStartedAt";

	/** When the copied parts were gone from the source (epoch ms, {@link MoveWindows}). */
	public static final String MOVED_AT = "movedAt";

	/** The job ExecutionContext key under which {@code planPartitions} stores the plan. */
	public static final String PLAN = "plan";

	/** The worker step's name; a partition's step is {@code copyPartition:p<id>}. */
	public static final String WORKER_STEP = "copyPartition";

	/** The worker step of the in-place ({@code move}) migration; a partition's step is {@code movePartition:p<id>}. */
	public static final String MOVE_WORKER_STEP = "movePartition";

	/** The {@link #STRATEGY} of a partition migrated in place. */
	public static final String MOVE = "move";

	private static final Logger logger = LoggerFactory.getLogger(PartitionPlanner.class);

	private static final int MAX_NAME_LENGTH = 80;

	private final String table;

	private final List<Plan.Entry> plan;

	public PartitionPlanner(String table, List<Plan.Entry> plan) {
		this.table = table;
		this.plan = plan;
	}

	@Override
	public Map<String, ExecutionContext> partition(int gridSize) {
		Map<String, ExecutionContext> contexts = new LinkedHashMap<>();
		for (int i = 0; i < this.plan.size(); i++) {
			contexts.put(partitionName(i), context(i));
		}
		return contexts;
	}

	/**
	 * A planner of the same plan that is not the step-scoped proxy a caller may hold: for the
	 * threads that make and run the workers, outside the step's scope. (A copy: a proxy hands its
	 * own reference back for a method returning {@code this}.)
	 */
	public PartitionPlanner unscoped() {
		return new PartitionPlanner(this.table, this.plan);
	}

	/** The table planned, as {@code db.table}. */
	public String table() {
		return this.table;
	}

	/** How many partitions the plan holds. */
	public int size() {
		return this.plan.size();
	}

	/** The {@link #partitionName} of the plan's {@code i}-th partition (from 0). */
	public String partitionName(int i) {
		return partitionName(this.plan.get(i).partition().partitionId());
	}

	/** The plan's {@code i}-th partition (from 0) was imported from the original script's progress file. */
	public boolean imported(int i) {
		return this.plan.get(i).imported();
	}

	/** The planned bytes of the plan's {@code i}-th partition (from 0). */
	public long plannedBytes(int i) {
		return this.plan.get(i).partition().bytes();
	}

	/** The first ExecutionContext of the worker of the plan's {@code i}-th partition (from 0). */
	public ExecutionContext context(int i) {
		Plan.Entry entry = this.plan.get(i);
		PartitionInfo partition = entry.partition();
		ExecutionContext context = new ExecutionContext();
		if (entry.imported()) {
			context.putString(IMPORTED, "true");
		}
		if (!entry.note().isEmpty()) {
			context.putString(NOTE, entry.note());
		}
		context.putString(PARTITION_ID, partition.partitionId());
		context.putString(PARTITION, partition.partition());
		context.putLong(PLANNED_ROWS, partition.rows());
		context.putLong(PLANNED_BYTES, partition.bytes());
		context.putInt(INDEX, i + 1);
		context.putInt(COUNT, this.plan.size());
		return context;
	}

	/** {@code p<partition id>}; ids too long for a step name are shortened with a hash. */
	public static String partitionName(String partitionId) {
		String name = "p" + partitionId;
		if (name.length() <= MAX_NAME_LENGTH) {
			return name;
		}
		return name.substring(0, MAX_NAME_LENGTH - 17) + "~" + sha256(partitionId).substring(0, 16);
	}

	/** Whether a step execution is a partition's worker, of either kind of migration. */
	public static boolean isWorker(String stepName) {
		return stepName.startsWith(WORKER_STEP + ":") || stepName.startsWith(MOVE_WORKER_STEP + ":");
	}

	/** The partition part of a worker step's name ({@link #partitionName}). */
	public static String workerPartition(String stepName) {
		return stepName.substring(stepName.indexOf(':') + 1);
	}

	/** The name of the worker step execution of a partition. */
	public static String stepName(String partitionId) {
		return WORKER_STEP + ":" + partitionName(partitionId);
	}

	private static String sha256(String value) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
