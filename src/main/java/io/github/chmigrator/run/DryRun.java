package io.github.chmigrator.run;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.MutationInfo;
import io.github.chmigrator.clickhouse.PartitionInfo;
import io.github.chmigrator.clickhouse.StoragePolicy;
import io.github.chmigrator.clickhouse.TableInfo;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.config.MigrationSettings;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.policy.TableChecks;
import io.github.chmigrator.report.ReportWriter;
import io.github.chmigrator.run.TableSelection.Decision;

/**
 * {@code --dry-run}: what a run with the same flags would do, per table, printed and written as
 * JSON beside the reports ({@code dry-run_<db>[.<table>]_<time>.json}), without changing anything:
 * it only reads {@code system.*} tables, takes no lock, and never touches the JobRepository. Bad
 * input fails as the real run would ({@link TableChecks}, exit 2).
 */
public class DryRun {

	/** The version of the dry-run file's format. */
	public static final int VERSION = 1;

	private static final Logger logger = LoggerFactory.getLogger(DryRun.class);

	private final ClickHouseCatalog catalog;

	private final TableOperations operations;

	private final TableChecks checks;

	private final ReportWriter writer;

	public DryRun(ClickHouseCatalog catalog, TableOperations operations, ReportWriter writer) {
		this.catalog = catalog;
		this.operations = operations;
		this.checks = new TableChecks(catalog);
		this.writer = writer;
	}

	/**
	 * The plan of one table.
	 *
	 * @param table the table
	 * @param engine its engine
	 * @param currentPolicy its storage policy now
	 * @param action {@code move}, {@code attach}, {@code insert}, {@code none} (already there) or
	 * {@code skip}
	 * @param reason why
	 * @param partitions its partitions with data
	 * @param parts its active parts
	 * @param rows its rows
	 * @param bytes its bytes on disk
	 * @param bytesPerDisk those bytes per disk
	 * @param warnings what an operator should know before the run
	 */
	public record TablePlan(String table, String engine, String currentPolicy, String action, String reason,
			int partitions, long parts, long rows, long bytes, Map<String, Long> bytesPerDisk, List<String> warnings) {
	}

	/**
	 * The dry-run file.
	 *
	 * @param version {@link #VERSION}
	 * @param clickhouse the server
	 * @param database the database
	 * @param targetPolicy the target policy
	 * @param strategy {@code --strategy}
	 * @param newInsertsVolume where the target policy writes new parts (its first volume)
	 * @param tables one plan per table
	 */
	public record Plan(int version, String clickhouse, String database, String targetPolicy, String strategy,
			String newInsertsVolume, List<TablePlan> tables) {
	}

	/** Plans, prints and writes; returns the exit code (0) or throws for input a run would refuse. */
	public int run(String clickhouse, MigrationSettings settings, String targetPolicy, PrintStream out) {
		List<StoragePolicy> policies = this.catalog.storagePolicies();
		List<TablePlan> tables = new ArrayList<>();
		StoragePolicy target;
		if (settings.mode().equals("full")) {
			if (this.catalog.databaseEngine(settings.db()).isEmpty()) {
				throw new MigratorException(ExitCodes.INVALID,
						"database '%s' does not exist on %s".formatted(settings.db(), clickhouse));
			}
			target = this.checks.targetPolicy(new TableJobParameters(clickhouse, null, settings.db(), "", targetPolicy),
					policies, settings.toS3());
			List<Decision> decisions = TableSelection.decide(this.catalog.tables(settings.db()), targetPolicy,
					(table) -> inPlace(settings, table, target, policies));
			for (Decision decision : decisions) {
				TableJobParameters job = new TableJobParameters(clickhouse, null, settings.db(), decision.table().name(),
						targetPolicy);
				tables.add(decision.migrate() ? plan(job, settings, target, policies)
						: new TablePlan(decision.table().name(), decision.table().engine(), decision.table().storagePolicy(),
								"skip", decision.skipReason(), 0, 0, 0, 0, Map.of(), List.of()));
			}
		}
		else {
			TableJobParameters job = new TableJobParameters(clickhouse, null, settings.db(), settings.table(), targetPolicy);
			this.checks.table(job);
			target = this.checks.targetPolicy(job, policies, settings.toS3());
			tables.add(plan(job, settings, target, policies));
		}
		Plan plan = new Plan(VERSION, clickhouse, settings.db(), targetPolicy, settings.strategy(),
				target.firstVolume().name(), tables);
		print(plan, out);
		write(plan, settings);
		return ExitCodes.OK;
	}

	private TablePlan plan(TableJobParameters job, MigrationSettings settings, StoragePolicy target,
			List<StoragePolicy> policies) {
		TableInfo table = this.checks.table(job);
		TableChecks.Choice choice = this.checks.choose(settings.strategy(), settings.toS3(), table, target, policies);
		this.checks.engine(table, choice, target);
		this.checks.databaseEngine(job, choice);
		List<PartitionInfo> partitions = this.catalog.partitions(job.database(), job.table());
		Map<String, Long> perDisk = this.operations.bytesPerDisk(job.database(), job.table());
		long parts = partitions.stream().mapToLong(PartitionInfo::parts).sum();
		long rows = partitions.stream().mapToLong(PartitionInfo::rows).sum();
		long bytes = partitions.stream().mapToLong(PartitionInfo::bytes).sum();
		String action = choice.inPlace() ? TableChecks.MOVE : copyAction(choice.strategy());
		String reason = choice.why();
		if (table.storagePolicy().equals(target.name())) {
			boolean partsOff = choice.inPlace() && !this.operations
				.partsOffDisks(job.database(), job.table(), choice.destination().diskNames())
				.isEmpty();
			if (!partsOff) {
				action = "none";
				reason = "already on storage policy '%s'".formatted(target.name());
			}
		}
		return new TablePlan(job.table(), table.engine(), table.storagePolicy(), action, reason, partitions.size(), parts,
				rows, bytes, perDisk, warnings(job, settings, table, choice, target, perDisk, policies));
	}

	private List<String> warnings(TableJobParameters job, MigrationSettings settings, TableInfo table,
			TableChecks.Choice choice, StoragePolicy target, Map<String, Long> perDisk, List<StoragePolicy> policies) {
		List<String> warnings = new ArrayList<>();
		List<MutationInfo> running = this.operations.mutations(job.database(), job.table())
			.stream()
			.filter((mutation) -> !mutation.done())
			.toList();
		if (!running.isEmpty()) {
			warnings.add("%d mutations in progress (%s): %s".formatted(running.size(),
					running.stream().map(MutationInfo::command).limit(3).collect(Collectors.joining("; ")),
					choice.inPlace() ? "parts they rewrite are moved when they land"
							: "a copy stops for a mutation that completes during it"));
		}
		Set<String> s3Disks = policies.stream().flatMap((policy) -> policy.s3Disks().stream()).collect(Collectors.toSet());
		List<String> onS3 = perDisk.keySet().stream().filter(s3Disks::contains).toList();
		if (settings.toS3() && !onS3.isEmpty() && !table.storagePolicy().equals(target.name())) {
			warnings.add("the table is already partly on S3 disks %s".formatted(onS3));
		}
		if (choice.inPlace() && !target.firstVolume().name().equals(choice.destination().name())) {
			warnings.add("new inserts will land on volume '%s' (disks %s), the first volume of policy '%s', not on volume '%s'"
				.formatted(target.firstVolume().name(), target.firstVolume().diskNames(), target.name(),
						choice.destination().name()));
		}
		StoragePolicy.Volume destination = choice.inPlace() ? choice.destination()
				: target.destination(settings.toS3()).orElse(null);
		if (destination != null) {
			List<String> large = this.catalog.partsTooLargeFor(job.database(), job.table(), target.name(), destination.name());
			if (!large.isEmpty()) {
				warnings.add(("%d parts are larger than max_data_part_size of volume '%s' of policy '%s', which refuses "
						+ "them (%s)").formatted(large.size(), destination.name(), target.name(),
								String.join(", ", large.subList(0, Math.min(3, large.size())))
										+ ((large.size() > 3) ? ", …" : "")));
			}
		}
		if (!choice.inPlace() && !settings.keepSource()) {
			List<String> detached = this.catalog.detachedParts(job.database(), job.table());
			if (!detached.isEmpty()) {
				warnings.add("%d detached parts: the run refuses the table unless they are attached or dropped, or with --keep-source"
					.formatted(detached.size()));
			}
		}
		return warnings;
	}

	private boolean inPlace(MigrationSettings settings, TableInfo table, StoragePolicy target, List<StoragePolicy> policies) {
		try {
			return this.checks.choose(settings.strategy(), settings.toS3(), table, target, policies).inPlace();
		}
		catch (MigratorException ex) {
			return false;
		}
	}

	private static String copyAction(String strategy) {
		return strategy.equals("auto") ? "attach" : strategy;
	}

	private static void print(Plan plan, PrintStream out) {
		out.printf("Dry run: %s on %s to policy '%s' (--strategy %s); nothing is changed%n", plan.database(),
				plan.clickhouse(), plan.targetPolicy(), plan.strategy());
		for (TablePlan table : plan.tables()) {
			out.printf("  %s.%s (%s, policy '%s'): %s: %s%n", plan.database(), table.table(), table.engine(),
					table.currentPolicy(), table.action(), table.reason());
			if (!table.action().equals("skip")) {
				out.printf("    %d partitions, %d parts, %s rows, %s; per disk: %s%n", table.partitions(), table.parts(),
						Sizes.count(table.rows()), Sizes.bytes(table.bytes()), table.bytesPerDisk()
							.entrySet()
							.stream()
							.map((disk) -> disk.getKey() + " " + Sizes.bytes(disk.getValue()))
							.collect(Collectors.joining(", ")));
			}
			table.warnings().forEach((warning) -> out.printf("    warning: %s%n", warning));
		}
	}

	private void write(Plan plan, MigrationSettings settings) {
		String name = settings.mode().equals("full") ? plan.database() : plan.database() + "." + settings.table();
		Path file = this.writer.directory()
			.resolve("dry-run_%s_%s.json".formatted(name, ReportWriter.FILE_TIME.format(LocalDateTime.now())));
		try {
			this.writer.write(file, plan);
			logger.info("Dry run written to {}", file);
		}
		catch (IOException ex) {
			throw new MigratorException(ExitCodes.FAILED, "cannot write the dry run to %s: %s".formatted(file, ex.getMessage()), ex);
		}
	}

}
