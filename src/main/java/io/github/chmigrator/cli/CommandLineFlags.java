package io.github.chmigrator.cli;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

/**
 * The original script's command line (design §4.1.1, §12.1) plus this tool's own flags, turned
 * into configuration properties. Both {@code --flag value} and {@code --flag=value} are accepted;
 * {@code --any.spring.property=value} passes through unchanged.
 */
public final class CommandLineFlags {

	/** A flag, the property it sets, and what values it takes. */
	record Flag(String name, String property, Kind kind, List<String> choices) {

	}

	enum Kind {

		TEXT, PORT, DECIMAL, COUNT, NUMBER, ID, OPTIONAL_ID, BYTES, SWITCH, CHOICE

	}

	static final Map<String, Flag> FLAGS = flags(new Flag("--mode", "migration.mode", Kind.CHOICE, List.of("single", "full")),
			new Flag("--db", "migration.db", Kind.TEXT, List.of()),
			new Flag("--table", "migration.table", Kind.TEXT, List.of()),
			new Flag("--host", "clickhouse.host", Kind.TEXT, List.of()),
			new Flag("--port", "clickhouse.port", Kind.PORT, List.of()),
			new Flag("--user", "clickhouse.user", Kind.TEXT, List.of()),
			new Flag("--password", "clickhouse.password", Kind.TEXT, List.of()),
			new Flag("--s3-policy", "s3.policy", Kind.TEXT, List.of()),
			new Flag("--target-policy", "s3.policy", Kind.TEXT, List.of()),
			new Flag("--direction", "migration.direction", Kind.CHOICE, List.of("to-s3", "to-local")),
			new Flag("--insert-interval", "migration.insert-interval", Kind.DECIMAL, List.of()),
			new Flag("--resume", "migration.resume", Kind.SWITCH, List.of()),
			new Flag("--log-path", "logging.file.path", Kind.TEXT, List.of()),
			new Flag("--log-level", "logging.level.io.github.chmigrator", Kind.CHOICE,
					List.of("trace", "debug", "info", "warn", "warning", "error")),
			new Flag("--report-path", "report.path", Kind.TEXT, List.of()),
			new Flag("--config", ConfigFile.PROPERTY, Kind.TEXT, List.of()),
			new Flag("--parallelism", "migration.parallelism", Kind.COUNT, List.of()),
			new Flag("--max-bytes-per-second", "migration.max-bytes-per-second", Kind.BYTES, List.of()),
			new Flag("--batch-partitions", "migration.batch-partitions", Kind.COUNT, List.of()),
			new Flag("--batch-bytes", "migration.batch-bytes", Kind.BYTES, List.of()),
			new Flag("--strategy", "migration.strategy", Kind.CHOICE, List.of("auto", "attach", "insert", "move")),
			new Flag("--keep-source", "migration.keep-source", Kind.SWITCH, List.of()),
			new Flag("--free-local-per-partition", "migration.free-local-per-partition", Kind.SWITCH, List.of()),
			new Flag("--throttle-flag-file", "migration.throttle-flag-file", Kind.TEXT, List.of()),
			new Flag("--postpone-cut-over-flag-file", "migration.postpone-cut-over-flag-file", Kind.TEXT, List.of()),
			new Flag("--max-load", "migration.max-load", Kind.TEXT, List.of()),
			new Flag("--critical-load", "migration.critical-load", Kind.TEXT, List.of()),
			new Flag("--cut-over-window", "migration.cut-over-window", Kind.TEXT, List.of()),
			new Flag("--accept-source-changes", "migration.accept-source-changes", Kind.SWITCH, List.of()),
			new Flag("--abort", "migration.abort", Kind.SWITCH, List.of()),
			new Flag("--dry-run", "migration.dry-run", Kind.SWITCH, List.of()),
			new Flag("--verify", "migration.verify", Kind.CHOICE, List.of("count", "checksum")),
			new Flag("--restart", "migration.restart", Kind.ID, List.of()),
			new Flag("--list", "migration.list", Kind.SWITCH, List.of()),
			new Flag("--stop", "migration.stop", Kind.ID, List.of()),
			new Flag("--status", "migration.status", Kind.OPTIONAL_ID, List.of()),
			new Flag("--json", "migration.json", Kind.SWITCH, List.of()),
			new Flag("--max-parts-in-partition", "migration.max-parts-in-partition", Kind.NUMBER, List.of()),
			new Flag("--min-free-local-bytes", "migration.min-free-local-bytes", Kind.BYTES, List.of()),
			new Flag("--max-replica-delay", "migration.max-replica-delay", Kind.NUMBER, List.of()),
			new Flag("--hooks-path", "migration.hooks.path", Kind.TEXT, List.of()),
			new Flag("--hooks-status-interval", "migration.hooks.status-interval", Kind.COUNT, List.of()),
			new Flag("--progress-file", "migration.progress-file", Kind.TEXT, List.of()));

	private CommandLineFlags() {
	}

	private static Map<String, Flag> flags(Flag... flags) {
		Map<String, Flag> byName = new LinkedHashMap<>();
		for (Flag flag : flags) {
			byName.put(flag.name(), flag);
		}
		return Map.copyOf(byName);
	}

	/**
	 * Parses the arguments into properties.
	 * @throws MigratorException naming the flag, for an unknown flag or a bad value
	 */
	public static Map<String, Object> parse(String... args) {
		Map<String, Object> properties = new LinkedHashMap<>();
		for (int i = 0; i < args.length; i++) {
			String arg = args[i];
			if (!arg.startsWith("--")) {
				throw invalid("unexpected argument '" + arg + "' (flags start with --; see --help)");
			}
			int equals = arg.indexOf('=');
			String name = (equals < 0) ? arg : arg.substring(0, equals);
			String inlineValue = (equals < 0) ? null : arg.substring(equals + 1);
			Flag flag = FLAGS.get(name);
			if (flag == null) {
				if (name.indexOf('.') > 0 && inlineValue != null) {
					properties.put(name.substring(2), inlineValue);
					continue;
				}
				throw invalid("unknown flag " + name + " (see --help)");
			}
			if (flag.kind() == Kind.SWITCH) {
				properties.put(flag.property(), switchValue(flag, inlineValue));
				continue;
			}
			String value = inlineValue;
			if (value == null && flag.kind() == Kind.OPTIONAL_ID && (i + 1 >= args.length || args[i + 1].startsWith("--"))) {
				value = "last";
			}
			if (value == null) {
				if (i + 1 >= args.length) {
					throw invalid(name + " needs a value");
				}
				value = args[++i];
			}
			properties.put(flag.property(), checked(flag, value));
		}
		return properties;
	}

	private static String switchValue(Flag flag, String value) {
		if (value == null) {
			return "true";
		}
		if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
			throw invalid(flag.name() + " takes no value, or =true / =false (got '" + value + "')");
		}
		return value.toLowerCase();
	}

	private static String checked(Flag flag, String value) {
		return switch (flag.kind()) {
			case TEXT -> value;
			case PORT -> require(flag, value, (v) -> isInteger(v) && Integer.parseInt(v) >= 1 && Integer.parseInt(v) <= 65535,
					"a port between 1 and 65535");
			case DECIMAL -> require(flag, value, (v) -> isDecimal(v) && new BigDecimal(v).signum() >= 0,
					"a number of seconds, 0 or more");
			case COUNT -> require(flag, value, (v) -> isInteger(v) && Integer.parseInt(v) >= 1, "a whole number, 1 or more");
			case NUMBER -> require(flag, value, (v) -> v.matches("\\d{1,9}"), "a whole number, 0 for none");
			case ID -> require(flag, value, (v) -> v.matches("\\d{1,18}"), "a JobInstance id");
			case OPTIONAL_ID -> require(flag, value, (v) -> v.equals("last") || v.matches("\\d{1,18}"),
					"a JobInstance id, or nothing for the last run");
			case BYTES -> require(flag, value, (v) -> v.matches("\\d{1,18}"), "a number of bytes, 0 for no limit");
			case CHOICE -> {
				String choice = require(flag, value.toLowerCase(), flag.choices()::contains,
						"one of " + String.join(", ", flag.choices()));
				yield flag.name().equals("--log-level") ? MigratorEnvironment.normalizeLevel(choice) : choice;
			}
			case SWITCH -> throw new IllegalStateException("switches take no value");
		};
	}

	private static String require(Flag flag, String value, Predicate<String> valid, String expected) {
		if (!valid.test(value)) {
			throw invalid(flag.name() + " must be " + expected + " (got '" + value + "')");
		}
		return value;
	}

	private static boolean isInteger(String value) {
		return value.matches("-?\\d{1,9}");
	}

	private static boolean isDecimal(String value) {
		return value.matches("-?\\d{1,9}(\\.\\d+)?|-?\\.\\d+");
	}

	private static MigratorException invalid(String message) {
		return new MigratorException(ExitCodes.INVALID, message);
	}

	/** The text of {@code --help}. */
	public static String usage() {
		return """
				usage: clickhouse-migrator --mode single --db DB --table TABLE [options]
				       clickhouse-migrator --mode full --db DB [options]
				       clickhouse-migrator --restart JOB_INSTANCE_ID
				       clickhouse-migrator --list
				       clickhouse-migrator --stop JOB_INSTANCE_ID
				       clickhouse-migrator --status [JOB_INSTANCE_ID] [--json]
				       clickhouse-migrator --cluster NAME | --hosts H1[:PORT],H2[:PORT] [--node-parallelism N] ...

				  --mode single|full       one table, or every eligible table of --db (default single)
				  --db NAME                the database
				  --table NAME             the table (--mode single)
				  --host HOST              ClickHouse host (CH_HOST, default 127.0.0.1)
				  --port PORT              ClickHouse HTTP port (CH_PORT, default 8123)
				  --user USER              ClickHouse user (CH_USER, default default)
				  --password PASSWORD      ClickHouse password (CH_PASSWORD; prefer the variable)
				  --s3-policy NAME         target storage policy (S3_POLICY, default s3); --target-policy is the same
				  --direction to-s3|to-local  to-local moves a table back from S3 to the policy's local disks (default to-s3)
				  --insert-interval SEC    pause after each partition or batch (MIGRATION_INSERT_INTERVAL, default 1.0)
				  --resume                 resume an interrupted run (MIGRATION_RESUME; reruns always resume)
				  --strategy auto|attach|insert|move
				                           attach/insert copy into a second table and swap; move changes the
				                           policy in place (target holds every volume of the table's policy);
				                           auto: move when the target allows it, else attach (default auto)
				  --keep-source            keep the old table as <table>_origin after the cut-over
				  --free-local-per-partition
				                           the original script's loop: drop each source partition once copied
				                           (readers miss it until the cut-over; needs system.query_log)
				  --accept-source-changes  with --free-local-per-partition: after a stop for a source change you
				                           carried to the work table
				  --abort                  stop a migration for good: drop its work table, leave the table as it was
				  --throttle-flag-file FILE
				                           while FILE exists, copy nothing more (the copy in flight completes)
				  --postpone-cut-over-flag-file FILE
				                           while FILE exists, keep the work table in step but do not cut over
				  --max-load M=N,...       pause while a system.metrics / asynchronous_metrics value (or a system.events
				                           rate per second) is above N, e.g. Query=40,BackgroundMergesAndMutationsPoolTask=16
				  --critical-load M=N,...  stop (exit 5, resumable) when one is above N
				  --cut-over-window HH:MM-HH:MM
				                           cut over only inside this window, UTC (e.g. 22:00-02:00)
				  --max-parts-in-partition N
				                           pause while a partition of the table has more than N active parts
				                           (default 0: no limit)
				  --min-free-local-bytes N stop (exit 5, resumable) when a local disk has less than N bytes free
				                           (default 0: no check)
				  --max-replica-delay SEC  pause while the table's replica is more than SEC behind (Replicated
				                           tables; default 0: no check)
				  --hooks-path DIR         run DIR/on-startup*, on-validated*, on-before-cut-over*, on-success*,
				                           on-failure*, on-status* with CH_MIGRATOR_* variables; a failing on-startup
				                           or on-before-cut-over stops the run (exit 5), the live table whole
				  --hooks-status-interval SEC
				                           seconds between on-status calls (default 60)
				  --stop ID                stop job instance ID's running execution at its next safe point
				                           (from any shell or host sharing the JobRepository); --restart ID resumes
				  --status [ID] [--json]   the live status of job instance ID's run (default: the last one), from
				                           <report-path>/status-ID.json and the JobRepository
				  --dry-run                print and write (JSON, beside the reports) what the run would do; change nothing
				  --verify count|checksum  validation depth (default count)
				  --parallelism N          partitions copied at once (default 1)
				  --max-bytes-per-second N average copy rate per table not to exceed (MIGRATION_MAX_BYTES_PER_SECOND,
				                           default 0: no limit)
				  --batch-partitions N     small partitions copied together, at most (default 100; 1: one by one)
				  --batch-bytes N          bytes of such a batch, at most (default 67108864: 64 MiB)
				  --config FILE            the design's config.yaml
				  --log-path DIR           log directory (LOG_PATH, default ./logs)
				  --log-level LEVEL        log level (LOG_LEVEL, default info)
				  --report-path DIR        report directory (REPORT_PATH, default ./reports)
				  --restart ID             restart the failed JobInstance ID
				  --list                   list recent job instances and executions (read-only)
				  --progress-file FILE     the original script's progress file (default <report-path>/migration_progress.json)
				  --cluster NAME           run on every node system.clusters lists for NAME on --host, each on --port
				  --hosts H1[:PORT],...    run on these nodes (HTTP port per host, default --port); not with --cluster
				  --node-parallelism N     nodes at once (default 1)
				  --name.of.property=VALUE any Spring property, e.g. --clickhouse.properties.compress=false

				exit codes: 0 migrated (or already migrated), 1 failed (rerun to resume), 2 invalid input,
				            3 table locked by another run, 4 ClickHouse unreachable or credentials refused,
				            5 stopped (--stop, SIGTERM, --critical-load, --min-free-local-bytes, a failing hook;
				              the live table whole; rerun or --restart to resume);
				            a cluster run: 0 when every node succeeded, else the highest node exit code
				""";
	}

}
