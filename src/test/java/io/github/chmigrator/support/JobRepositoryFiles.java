package io.github.chmigrator.support;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/** Reads the embedded H2 JobRepository a test run left in its work directory. */
public final class JobRepositoryFiles {

	private JobRepositoryFiles() {
	}

	public static String url(Path workDir) {
		return "jdbc:h2:file:" + workDir.resolve("data").resolve("jobrepository") + ";AUTO_SERVER=TRUE";
	}

	/** Every job parameter and execution context, as text: what a password must never be in. */
	public static String dump(Path workDir) throws Exception {
		StringBuilder text = new StringBuilder();
		try (Connection connection = DriverManager.getConnection(url(workDir), "sa", "");
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

}
