package io.github.chmigrator.job;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * An index on the JobRepository's step executions by job execution and step name. Spring Batch
 * lists a job execution's step executions (the one pass that reads the workers' records, on every
 * phase that needs them) and looks up a step's last execution by instance and name (each top-level
 * step, the swap's record); its PostgreSQL schema indexes step executions by nothing but their id,
 * and H2 only by job execution (the foreign key), so each of those reads every step execution
 * of the database, or of the run, one row per partition. Created when missing, on H2 and PostgreSQL
 * alike; a database that refuses it (no privilege to create indexes) only makes large tables slower.
 */
public final class StepExecutionIndex {

	private static final Logger logger = LoggerFactory.getLogger(StepExecutionIndex.class);

	static final String DDL = "CREATE INDEX IF NOT EXISTS BATCH_STEP_EXECUTION_NAME_IDX "
			+ "ON BATCH_STEP_EXECUTION (JOB_EXECUTION_ID, STEP_NAME)";

	/** Creates the index when missing. */
	public StepExecutionIndex(DataSource dataSource) {
		try {
			new JdbcTemplate(dataSource).execute(DDL);
		}
		catch (DataAccessException ex) {
			logger.warn("Cannot index the JobRepository's step executions by name ({}); tables of many partitions "
					+ "start their copy more slowly", ex.getMostSpecificCause().getMessage());
		}
	}

}
