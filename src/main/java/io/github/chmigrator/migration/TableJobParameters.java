package io.github.chmigrator.migration;


import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;

import io.github.chmigrator.clickhouse.ClickHouseSettings;
import io.github.chmigrator.config.MigrationSettings;

/**
 * The parameters of one table's migration job. The identifying ones (the server's identity,
 * database, table, target policy, and a generation) make the JobInstance: running the same command
 * again restarts it, whichever name or address of the server it uses. The generation starts at 1 and only grows when a table that an earlier instance migrated is
 * found off the target policy again (restored from a backup, say), so that it can be migrated anew.
 * The other parameters are how the run behaves and may change between attempts. No credential is
 * ever a parameter.
 *
 * @param clickhouse {@code host:port} the run reached the server at, for messages and reports
 * @param server the server's identity ({@code ClickHouseCatalog.serverIdentity()}), {@code null}
 * until it is known
 * @param database the database
 * @param table the table
 * @param targetPolicy the storage policy the table moves to
 */
public record TableJobParameters(String clickhouse, String server, String database, String table,
		String targetPolicy) {

	public static final String WORK_SUFFIX = "__migrating";

	public static final String ORIGIN_SUFFIX = "_origin";

	/** The staging table late rows pass through during the swap: {@code <table>__late}. */
	public static final String STAGING_SUFFIX = "__late";

	public static final String CLICKHOUSE = "clickhouse";

	public static final String SERVER = "server";

	public static final String DATABASE = "database";

	public static final String TABLE = "table";

	public static final String TARGET_POLICY = "targetPolicy";

	public static final String GENERATION = "generation";

	public static final String STRATEGY = "strategy";

	/** Non-identifying: {@code to-s3} (the default) or {@code to-local}, back from S3. */
	public static final String DIRECTION = "direction";

	public static final String TO_LOCAL = "to-local";

	public static final String KEEP_SOURCE = "keepSource";

	public static final String VERIFY = "verify";

	public static final String INSERT_INTERVAL = "insertInterval";

	/** Non-identifying: the average copy rate per table not to exceed, 0 for none. */
	public static final String MAX_BYTES_PER_SECOND = "maxBytesPerSecond";

	public static final String PARALLELISM = "parallelism";

	public static final String RESUME = "resume";

	public static final String ACCEPT_SOURCE_CHANGES = "acceptSourceChanges";

	/** Non-identifying: {@code true} for the design's original loop, which drops each source partition once copied. */
	public static final String FREE_LOCAL = "freeLocalPerPartition";

	/**
	 * Whether the run keeps the source table whole until the cut-over (the default): nothing is
	 * dropped from it, and its changes are carried to the work table from {@code system.parts}.
	 * {@code false} with {@code --free-local-per-partition}.
	 */
	public static boolean sourceWhole(JobParameters parameters) {
		return !flag(parameters, FREE_LOCAL);
	}

	/** Whether the job moves the table to S3 (the default), not back to local disks. */
	public static boolean toS3(JobParameters parameters) {
		return !TO_LOCAL.equals(parameters.getString(DIRECTION));
	}

	/** A boolean run parameter ({@link #KEEP_SOURCE}, {@link #RESUME}); absent is {@code false}. */
	public static boolean flag(JobParameters parameters, String name) {
		return Boolean.parseBoolean(parameters.getString(name));
	}

	public static TableJobParameters of(JobParameters parameters) {
		return new TableJobParameters(parameters.getString(CLICKHOUSE), parameters.getString(SERVER),
				parameters.getString(DATABASE), parameters.getString(TABLE), parameters.getString(TARGET_POLICY));
	}

	/**
	 * Only the identifying parameters of the table's JobInstance of a generation: what
	 * {@code JobRepository.getJobInstance(name, parameters)} looks it up by.
	 */
	public JobParameters identifyingParameters(long generation) {
		return new JobParametersBuilder().addString(SERVER, server)
			.addString(DATABASE, database)
			.addString(TABLE, table)
			.addString(TARGET_POLICY, targetPolicy)
			.addLong(GENERATION, generation)
			.toJobParameters();
	}

	public JobParameters toJobParameters(MigrationSettings settings, long generation) {
		return new JobParametersBuilder().addString(SERVER, server)
			.addString(CLICKHOUSE, clickhouse, false)
			.addString(DATABASE, database)
			.addString(TABLE, table)
			.addString(TARGET_POLICY, targetPolicy)
			.addLong(GENERATION, generation)
			.addString(STRATEGY, settings.strategy(), false)
			.addString(DIRECTION, settings.direction(), false)
			.addString(KEEP_SOURCE, Boolean.toString(settings.keepSource()), false)
			.addString(VERIFY, settings.verify(), false)
			.addDouble(INSERT_INTERVAL, settings.insertInterval(), false)
			.addLong(MAX_BYTES_PER_SECOND, settings.maxBytesPerSecond(), false)
			.addLong(PARALLELISM, (long) settings.parallelism(), false)
			.addString(RESUME, Boolean.toString(settings.resume()), false)
			.addString(ACCEPT_SOURCE_CHANGES, Boolean.toString(settings.acceptSourceChanges()), false)
			.addString(FREE_LOCAL, Boolean.toString(settings.freeLocalPerPartition()), false)
			.toJobParameters();
	}

	public static TableJobParameters forTable(ClickHouseSettings clickhouse, String database, String table,
			String targetPolicy) {
		return new TableJobParameters(clickhouse.endpoint(), null, database, table, targetPolicy);
	}

	/** These parameters for the given server identity. */
	public TableJobParameters onServer(String identity) {
		return new TableJobParameters(clickhouse, identity, database, table, targetPolicy);
	}

	/**
	 * The work table the data is copied into: {@code <table>__migrating}. Deterministic, so a
	 * restart finds it again; the double underscore keeps it apart from user tables.
	 */
	public String workTable() {
		return table + WORK_SUFFIX;
	}

	/** The staging table late rows pass through: {@code <table>__late}. */
	public String stagingTable() {
		return table + STAGING_SUFFIX;
	}

	/** Where {@code --keep-source} leaves the original table: {@code <table>_origin}. */
	public String originTable() {
		return table + ORIGIN_SUFFIX;
	}

	/** {@code database.table}, as operators read it in logs. */
	public String qualifiedTable() {
		return database + "." + table;
	}

}
