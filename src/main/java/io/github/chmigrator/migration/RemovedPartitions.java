package io.github.chmigrator.migration;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.PartInfo;
import io.github.chmigrator.clickhouse.PartitionCommand.Kind;
import io.github.chmigrator.clickhouse.PartitionCommand;
import io.github.chmigrator.clickhouse.QueryLog.Statement;
import io.github.chmigrator.clickhouse.QueryLog;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.partition.BlockRanges;
import io.github.chmigrator.partition.CatchUps;
import io.github.chmigrator.partition.CopiedPartitions;
import io.github.chmigrator.partition.MoveWindows;

/**
 * Partitions an operator removed from the source during the run: {@code ALTER TABLE … DROP|DETACH
 * PARTITION}, {@code REPLACE PARTITION … FROM}, {@code MOVE PARTITION … TO TABLE}, {@code DROP|DETACH
 * PART}, {@code TRUNCATE}. Once a partition moved, the source holds none of its copied parts, so
 * such a statement removes nothing there and leaves no trace in the table (ClickHouse allocates no
 * block, writes no part and no mutation for an empty partition): without this, the copied rows
 * would come back with the swap (a daily {@code DROP PARTITION} and re-insert would end with both
 * versions). The only trace is {@code system.query_log}; the migrator's own statements are marked
 * there with {@code log_comment}.
 *
 * <p>Before rows of the source move into the work table again (validation, each catch-up, the
 * exchange), every statement logged since the run began is weighed against when rows of the
 * partitions it names were in flight ({@link MoveWindows}):
 * <ul>
 * <li>before any of them moved: the copy already reflects it;</li>
 * <li>after every move: the same is done to the work table's partition ({@code DROP PARTITION ID},
 * {@code DETACH PARTITION ID} for a detach; {@code REPLACE} drops, the replacing parts are rows
 * inserted later and are caught up), recorded in the job ExecutionContext
 * ({@value #REMOVED_PREFIX}{@code <id>}) so that validation expects no rows there;</li>
 * <li>during a move, between two moves, or a statement the migrator cannot map to a partition, a
 * {@code MOVE PARTITION … TO TABLE} (its rows belong in another table, on another policy), a
 * {@code DROP|DETACH PART} of a copied part: the table stops before the swap with one line.</li>
 * </ul>
 * Times: the statements' start and finish on the server's clock, the windows on the migrator's, the
 * offset measured at each check, with a margin of {@value #MARGIN_MILLIS} ms plus the round trip.
 * Without {@code system.query_log} (or with {@code log_queries = 0} for the operator's session)
 * nothing can be seen: a warning says so once per run.
 */
public class RemovedPartitions {

	/** The server time (µs, whole milliseconds) from which the query log is read: the job's first attempt, or the last accept. */
	public static final String SINCE = "source.logSince";

	/** The statements already weighed ({@code query_id}s, comma separated). */
	public static final String SEEN = "source.statementsSeen";

	/** Per partition id: the statement whose removal was carried to the work table. */
	public static final String REMOVED_PREFIX = "source.removed.";

	private static final String WARNED = "source.noQueryLogWarned";

	private static final long MARGIN_MILLIS = 500;

	private static final Logger logger = LoggerFactory.getLogger(RemovedPartitions.class);

	private final QueryLog log;

	private final TableOperations operations;

	private final ClickHouseCatalog catalog;

	private final JobRepository jobRepository;

	private final CopiedPartitions copied;

	public RemovedPartitions(QueryLog log, TableOperations operations, ClickHouseCatalog catalog,
			JobRepository jobRepository, CopiedPartitions copied) {
		this.copied = copied;
		this.log = log;
		this.operations = operations;
		this.catalog = catalog;
		this.jobRepository = jobRepository;
	}

	/** Whether this server's query log can be read by the migrator's user (it exists and SELECT on it is granted). */
	public boolean logReadable(TableJobParameters job) {
		return this.log.statementsOn(job.database(), job.table(), this.operations.serverTimeMillis() * 1000).isPresent();
	}

	/** Reads the log from now on (the job's first attempt, or an accept of the source as it is). */
	public void baseline(ExecutionContext context) {
		context.putLong(SINCE, this.operations.serverTimeMillis() * 1000);
	}

	/** The partitions whose removal was carried to the work table, with the statement that removed them. */
	public static Map<String, String> removed(ExecutionContext context) {
		return CatchUps.byPrefix(context, REMOVED_PREFIX, Function.identity());
	}

	/**
	 * Carries the removals logged since the last call to the work table, or stops the table. Only
	 * before the exchange: afterwards the table's name holds the work table, whose statements these are.
	 * @param accept whether the operator accepted the source as it is ({@code --accept-source-changes}):
	 * what cannot be settled is then taken as settled by the operator, with a warning
	 */
	public synchronized void carry(JobExecution execution, TableJobParameters job, boolean accept) {
		ExecutionContext context = execution.getExecutionContext();
		// the table's name holding the target policy: the exchange happened
		if (!context.containsKey(SINCE) || this.catalog.isOnPolicy(job.database(), job.table(), job.targetPolicy())) {
			return;
		}
		Optional<List<Statement>> logged = this.log.statementsOn(job.database(), job.table(), context.getLong(SINCE));
		if (logged.isEmpty()) {
			if (!context.containsKey(WARNED)) {
				context.putString(WARNED, "true");
				logger.warn("Table {}: system.query_log cannot be read (not kept by the server, or no SELECT grant on it), "
						+ "so a DROP/DETACH/REPLACE PARTITION or TRUNCATE "
						+ "on a partition already moved to {} cannot be seen; do not remove partitions of the table while it "
						+ "is migrated (docs/exactness.md)", job.qualifiedTable(), job.workTable());
			}
			return;
		}
		Set<String> seen = new LinkedHashSet<>(Arrays.asList(context.getString(SEEN, "").split(",")));
		seen.remove("");
		List<Statement> fresh = logged.get().stream().filter((statement) -> !seen.contains(statement.queryId())).toList();
		if (fresh.isEmpty()) {
			return;
		}
		// the swap step's record as committed before its current call: its catch-ups so far
		ExecutionContext catchUps = MigrationOutcome.lastSwapContext(this.jobRepository, execution);
		Map<String, MoveWindows> windows = new LinkedHashMap<>();
		Map<String, BlockRanges> moved = new LinkedHashMap<>(CatchUps.blocks(catchUps));
		this.copied.forEach(execution, (partition) -> {
			windows.put(partition.planned().partitionId(), partition.window());
			moved.merge(partition.planned().partitionId(), partition.blocks(), BlockRanges::plus);
		});
		CatchUps.windows(catchUps).forEach((id, window) -> windows.merge(id, window, MoveWindows::plus));
		Clock clock = Clock.measure(this.operations);
		for (Statement statement : fresh) {
			Map<String, Kind> carries = effects(job, statement, windows, moved, clock, accept);
			for (Map.Entry<String, Kind> carry : carries.entrySet()) {
				if (carry.getValue() == Kind.DETACH_PARTITION) {
					this.operations.detachPartition(job.database(), job.workTable(), carry.getKey());
				}
				else {
					this.operations.dropPartition(job.database(), job.workTable(), carry.getKey());
				}
				String note = "%s (query_id %s)".formatted(statement.query(), statement.queryId());
				context.putString(REMOVED_PREFIX + carry.getKey(), note);
				logger.warn("Table {}: partition {} had moved to {} when the source received {}; the same was done to {}",
						job.qualifiedTable(), carry.getKey(), job.workTable(), note, job.workTable());
			}
			seen.add(statement.queryId());
			context.putString(SEEN, String.join(",", seen));
			this.jobRepository.updateExecutionContext(execution);
		}
	}

	/** The partitions of the work table to drop or detach for one statement; throws when it cannot be settled. */
	private Map<String, Kind> effects(TableJobParameters job, Statement statement, Map<String, MoveWindows> windows,
			Map<String, BlockRanges> moved, Clock clock, boolean accept) {
		long start = clock.local(statement.startMicros());
		long end = clock.local(statement.finishMicros());
		Map<String, Kind> carries = new LinkedHashMap<>();
		List<String> uncertain = new ArrayList<>();
		String partitionKey = null;
		if (statement.update()) {
			// its WHERE may name any partition, and it does not reach rows already moved (no patch part for them)
			windows.entrySet()
				.stream()
				.filter((window) -> window.getValue().effectOf(start, end, clock.margin()) != MoveWindows.Effect.NONE)
				.forEach((window) -> uncertain.add("partition " + window.getKey() + " (a lightweight UPDATE does not reach "
						+ "its rows in " + job.workTable() + ")"));
		}
		for (PartitionCommand command : PartitionCommand.parse(statement.query())) {
			if (command.kind().part()) {
				Optional<PartInfo> part = PartInfo.fromName(command.partition());
				BlockRanges ranges = part.map((p) -> moved.getOrDefault(p.partitionId(), BlockRanges.NONE)).orElse(null);
				if (ranges == null || ranges.classify(part.get()) != BlockRanges.Status.NEW) {
					uncertain.add("part " + command.partition() + " (rows of it may already be in " + job.workTable() + ")");
				}
				continue;
			}
			List<String> ids;
			if (command.all()) {
				ids = List.copyOf(windows.keySet());
			}
			else {
				String id = command.partitionId();
				if (id == null) {
					if (partitionKey == null) {
						partitionKey = this.catalog.table(job.database(), job.table()).map((table) -> table.partitionKey()).orElse("");
					}
					id = this.log.partitionId(job.database(), job.table(), partitionKey, command.partition()).orElse(null);
				}
				if (id == null) {
					uncertain.add("partition " + command.partition() + " (its id could not be computed)");
					continue;
				}
				ids = List.of(id);
			}
			for (String id : ids) {
				MoveWindows.Effect effect = windows.getOrDefault(id, MoveWindows.NONE).effectOf(start, end, clock.margin());
				if (effect == MoveWindows.Effect.CARRY && command.kind() == Kind.MOVE_PARTITION_TO_TABLE) {
					uncertain.add("partition " + id + " (its moved rows belong in the other table)");
				}
				else if (effect == MoveWindows.Effect.UNCERTAIN) {
					uncertain.add("partition " + id + " (its rows were moving to " + job.workTable() + " then)");
				}
				else if (effect == MoveWindows.Effect.CARRY) {
					carries.put(id, (command.kind() == Kind.DETACH_PARTITION) ? Kind.DETACH_PARTITION : Kind.DROP_PARTITION);
				}
			}
		}
		if (!uncertain.isEmpty() && accept) {
			logger.warn("Table {}: --accept-source-changes: {} (query_id {}) changed {}; taken as settled by the operator",
					job.qualifiedTable(), statement.query(), statement.queryId(), String.join(", ", uncertain));
		}
		else if (!uncertain.isEmpty()) {
			throw new MigratorException(ExitCodes.FAILED, ("%s changed in a way the partitions already moved to %s do not "
					+ "have: %s (query_id %s) changed %s. Nothing was swapped and no row is lost; make %s.%s hold what the "
					+ "statement meant for those partitions, then rerun with --accept-source-changes (with --abort too, to put "
					+ "the moved partitions back instead)").formatted(job.qualifiedTable(), job.workTable(), statement.query(),
							statement.queryId(), String.join(", ", uncertain), job.database(), job.workTable()));
		}
		return carries;
	}

	/** The server's clock against the migrator's, measured once per check. */
	private record Clock(long offsetMillis, long margin) {

		static Clock measure(TableOperations operations) {
			long before = System.currentTimeMillis();
			long server = operations.serverTimeMillis();
			long after = System.currentTimeMillis();
			return new Clock(server - (before + after) / 2, MARGIN_MILLIS + (after - before));
		}

		long local(long serverMicros) {
			return serverMicros / 1000 - this.offsetMillis;
		}

	}

}
