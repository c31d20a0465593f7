package io.github.chmigrator.support;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the JobRepository of a test run: the embedded H2 one it left in its work directory, or
 * (the {@link Connection} variants) any other, e.g. on PostgreSQL.
 */
public final class JobRepositoryFiles {

	private JobRepositoryFiles() {
	}

	public static String url(Path workDir) {
		return "jdbc:h2:file:" + workDir.resolve("data").resolve("jobrepository") + ";AUTO_SERVER=TRUE";
	}

	/** A connection to the work directory's H2 JobRepository, which the caller closes. */
	private static Connection connect(Path workDir) throws SQLException {
		return DriverManager.getConnection(url(workDir), "sa", "");
	}

	/** Every job parameter and execution context, as text: what a password must never be in. */
	public static String dump(Path workDir) throws Exception {
		StringBuilder text = new StringBuilder();
		try (Connection connection = connect(workDir);
				Statement statement = connection.createStatement()) {
			for (String sql : new String[] { "SELECT PARAMETER_NAME, PARAMETER_VALUE FROM BATCH_JOB_EXECUTION_PARAMS",
					"SELECT SHORT_CONTEXT, SERIALIZED_CONTEXT FROM BATCH_JOB_EXECUTION_CONTEXT",
					"SELECT SHORT_CONTEXT, SERIALIZED_CONTEXT FROM BATCH_STEP_EXECUTION_CONTEXT",
					"SELECT EXIT_MESSAGE, EXIT_MESSAGE FROM BATCH_STEP_EXECUTION" }) {
				try (ResultSet rows = statement.executeQuery(sql)) {
					while (rows.next()) {
						text.append(rows.getString(1)).append('=').append(rows.getString(2)).append('\n');
					}
				}
			}
		}
		return text.toString();
	}

	/** The rows of a query on the JobRepository, every column as text ({@code null} stays {@code null}). */
	public static List<List<String>> rows(Path workDir, String sql, Object... parameters) throws Exception {
		try (Connection connection = connect(workDir)) {
			return rows(connection, sql, parameters);
		}
	}

	/**
	 * The rows of a query on any JDBC connection, every column as text ({@code null} stays
	 * {@code null}).
	 * @param connection where to run the query (left open)
	 * @param sql the query, with a {@code ?} for each parameter
	 * @param parameters the values of the {@code ?}, in order
	 * @return the rows in the order the query returns them
	 * @throws SQLException if the query fails
	 */
	public static List<List<String>> rows(Connection connection, String sql, Object... parameters) throws SQLException {
		List<List<String>> result = new ArrayList<>();
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			for (int i = 0; i < parameters.length; i++) {
				statement.setObject(i + 1, parameters[i]);
			}
			try (ResultSet rows = statement.executeQuery()) {
				int columns = rows.getMetaData().getColumnCount();
				while (rows.next()) {
					List<String> row = new ArrayList<>();
					for (int c = 1; c <= columns; c++) {
						row.add(rows.getString(c));
					}
					result.add(row);
				}
			}
		}
		return result;
	}

	/** The ids of the job instances, oldest first. */
	public static List<Long> jobInstanceIds(Path workDir) throws Exception {
		return rows(workDir, "SELECT JOB_INSTANCE_ID FROM BATCH_JOB_INSTANCE ORDER BY JOB_INSTANCE_ID").stream()
			.map((row) -> Long.valueOf(row.get(0)))
			.toList();
	}

	/** The job executions, oldest first. */
	public static List<Execution> jobExecutions(Path workDir) throws Exception {
		try (Connection connection = connect(workDir)) {
			return jobExecutions(connection);
		}
	}

	/**
	 * The job executions of a JobRepository on any JDBC connection, oldest first.
	 * @param connection the JobRepository's database (left open)
	 * @return one {@link Execution} named {@code job} per job execution
	 * @throws SQLException if the query fails
	 */
	public static List<Execution> jobExecutions(Connection connection) throws SQLException {
		return rows(connection, "SELECT JOB_EXECUTION_ID, STATUS, EXIT_CODE FROM BATCH_JOB_EXECUTION ORDER BY JOB_EXECUTION_ID")
			.stream()
			.map((row) -> new Execution(Long.parseLong(row.get(0)), "job", row.get(1), row.get(2)))
			.toList();
	}

	/** The step executions of one job execution, in the order they were created. */
	public static List<Execution> stepExecutions(Path workDir, long jobExecutionId) throws Exception {
		return rows(workDir, "SELECT STEP_EXECUTION_ID, STEP_NAME, STATUS, EXIT_CODE FROM BATCH_STEP_EXECUTION "
				+ "WHERE JOB_EXECUTION_ID = ? ORDER BY STEP_EXECUTION_ID", jobExecutionId)
			.stream()
			.map((row) -> new Execution(Long.parseLong(row.get(0)), row.get(1), row.get(2), row.get(3)))
			.toList();
	}

	/**
	 * A job or step execution as the JobRepository holds it.
	 * @param id its id
	 * @param name the step name ({@code job} for a job execution)
	 * @param status its BatchStatus
	 * @param exitCode its ExitStatus code
	 */
	public record Execution(long id, String name, String status, String exitCode) {

	}

}
