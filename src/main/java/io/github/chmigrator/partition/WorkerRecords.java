package io.github.chmigrator.partition;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import javax.sql.DataSource;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.repository.ExecutionContextSerializer;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The partitions' worker records, read from the JobRepository's tables as a stream: one query per
 * call over the job instance's worker step executions and their contexts, newest first, each
 * context parsed when its row is reached and let go after the caller saw it. Spring Batch's
 * {@code JobRepository.getJobExecutions} would load every execution of every worker with its
 * context at once, which for a table of 100,000 partitions is more than the heap the migrator runs
 * in. Reads the default {@code BATCH_} tables, as Spring Batch's schema creates them.
 */
public class WorkerRecords {

	private static final String LAST_FIRST = """
			SELECT SE.STEP_EXECUTION_ID, SE.JOB_EXECUTION_ID, SE.STEP_NAME, SE.STATUS, C.SHORT_CONTEXT, C.SERIALIZED_CONTEXT
			FROM BATCH_STEP_EXECUTION SE
			JOIN BATCH_JOB_EXECUTION JE ON JE.JOB_EXECUTION_ID = SE.JOB_EXECUTION_ID
			LEFT JOIN BATCH_STEP_EXECUTION_CONTEXT C ON C.STEP_EXECUTION_ID = SE.STEP_EXECUTION_ID
			WHERE JE.JOB_INSTANCE_ID = ? AND (SE.STEP_NAME LIKE 'copyPartition:%' OR SE.STEP_NAME LIKE 'movePartition:%')
			ORDER BY SE.STEP_EXECUTION_ID DESC""";

	private static final int FETCH_SIZE = 500;

	private final JdbcTemplate jdbc;

	private final ExecutionContextSerializer serializer;

	public WorkerRecords(DataSource dataSource, ExecutionContextSerializer serializer) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.jdbc.setFetchSize(FETCH_SIZE);
		this.serializer = serializer;
	}

	/**
	 * The last execution of one partition's worker step.
	 *
	 * @param partitionName the partition's name ({@link PartitionPlanner#partitionName})
	 * @param stepExecutionId the step execution
	 * @param jobExecutionId the job execution it ran in
	 * @param status its status
	 * @param context its ExecutionContext as last saved
	 */
	public record Worker(String partitionName, long stepExecutionId, long jobExecutionId, BatchStatus status,
			ExecutionContext context) {

	}

	/**
	 * Gives the last execution of every worker step of a job instance (a job instance copies or
	 * moves, never both), newest first, one at a time.
	 */
	public void forEachLast(long jobInstanceId, Consumer<Worker> action) {
		Set<String> seen = new HashSet<>();
		this.jdbc.query(LAST_FIRST, (row) -> {
			String partition = PartitionPlanner.workerPartition(row.getString(3));
			if (seen.add(partition)) {
				String serialized = row.getString(6);
				action.accept(new Worker(partition, row.getLong(1), row.getLong(2), BatchStatus.valueOf(row.getString(4)),
						context((serialized != null) ? serialized : row.getString(5))));
			}
		}, jobInstanceId);
	}

	private ExecutionContext context(String serialized) {
		if (serialized == null || serialized.isEmpty()) {
			return new ExecutionContext();
		}
		try {
			Map<String, Object> values = this.serializer
				.deserialize(new ByteArrayInputStream(serialized.getBytes(StandardCharsets.UTF_8)));
			return new ExecutionContext(values);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read a worker's ExecutionContext from the JobRepository", ex);
		}
	}

}
