package io.github.chmigrator.policy;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.StoragePolicy;
import io.github.chmigrator.clickhouse.TableInfo;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.migration.TableJobParameters;

/**
 * The checks a table passes before anything changes, shared by the {@code checkPolicy} step and
 * the dry run, so that both refuse the same input with the same line (exit 2): database, table,
 * target policy, engine, database engine, and which strategy applies ({@link #choose}).
 */
public class TableChecks {

	/** The strategy of an in-place migration. */
	public static final String MOVE = "move";

	private static final int TABLES_LISTED = 20;

	private final ClickHouseCatalog catalog;

	public TableChecks(ClickHouseCatalog catalog) {
		this.catalog = catalog;
	}

	/**
	 * What would migrate a table and why.
	 *
	 * @param strategy {@code move}, or the copy strategy requested ({@code auto}, {@code attach},
	 * {@code insert})
	 * @param why one line an operator reads
	 * @param lacks what the target policy lacks to replace the table's in place (empty when nothing)
	 * @param destination the volume parts move to in place, {@code null} for a copy
	 */
	public record Choice(String strategy, String why, List<String> lacks, StoragePolicy.Volume destination) {

		public boolean inPlace() {
			return this.strategy.equals(MOVE);
		}

	}

	/** The table, after its database: both must exist. */
	public TableInfo table(TableJobParameters job) {
		this.catalog.databaseEngine(job.database())
			.orElseThrow(() -> invalid("database '%s' does not exist on %s".formatted(job.database(), job.clickhouse())));
		return this.catalog.table(job.database(), job.table()).orElseThrow(() -> unknownTable(job));
	}

	/**
	 * The target policy: it exists and stores on S3 ({@code toS3}), or has a local disk to move
	 * back to.
	 */
	public StoragePolicy targetPolicy(TableJobParameters job, List<StoragePolicy> policies, boolean toS3) {
		StoragePolicy policy = policy(policies, job.targetPolicy())
			.orElseThrow(() -> invalid("storage policy '%s' does not exist on %s; existing policies: %s".formatted(
					job.targetPolicy(), job.clickhouse(),
					policies.stream().map(StoragePolicy::name).collect(Collectors.joining(", ")))));
		if (!toS3 && !policy.hasLocalDisk()) {
			throw invalid("--direction to-local: storage policy '%s' has no local disk (disks: %s); choose a policy that stores locally"
				.formatted(policy.name(), disks(policy)));
		}
		if (toS3 && !policy.hasS3Disk()) {
			throw invalid(("storage policy '%s' has no S3 disk (disks: %s); choose a policy that stores on S3, or "
					+ "--direction to-local to move a table back from S3").formatted(policy.name(), disks(policy)));
		}
		return policy;
	}

	private static String disks(StoragePolicy policy) {
		return policy.volumes()
			.stream()
			.flatMap((volume) -> volume.disks().stream())
			.map((disk) -> disk.name() + " " + disk.type())
			.collect(Collectors.joining(", "));
	}

	/**
	 * The strategy for {@code --strategy requested}: {@code move} when requested, or with
	 * {@code auto} when the target policy can replace the table's ({@link StoragePolicy#lacksToReplace})
	 * and has an all-S3 volume to move parts to; the requested copy strategy otherwise.
	 * {@code --strategy move} with a policy that cannot is refused, naming what it lacks.
	 */
	public Choice choose(String requested, boolean toS3, TableInfo table, StoragePolicy target,
			List<StoragePolicy> policies) {
		String kind = toS3 ? "S3" : "local";
		StoragePolicy.Volume destination = target.destination(toS3).orElse(null);
		StoragePolicy current = policy(policies, table.storagePolicy()).orElse(null);
		List<String> lacks = (current != null) ? target.lacksToReplace(current)
				: List.of("the table's policy '%s' (not in system.storage_policies)".formatted(table.storagePolicy()));
		if (requested.equals(MOVE) && !lacks.isEmpty()) {
			throw invalid(("--strategy move: storage policy '%s' cannot replace policy '%s' of %s in place: it lacks %s "
					+ "(ClickHouse requires every volume of the current policy, by name, with its disks). Add them to "
					+ "'%s', or copy with --strategy auto").formatted(target.name(), table.storagePolicy(),
							table.qualifiedName(), String.join(", ", lacks), target.name()));
		}
		if (requested.equals(MOVE) && destination == null) {
			throw invalid("--strategy move: storage policy '%s' has no volume whose disks are all %s disks to move parts to"
				.formatted(target.name(), kind));
		}
		if (requested.equals(MOVE) || (requested.equals("auto") && lacks.isEmpty() && destination != null)) {
			return new Choice(MOVE, "policy '%s' holds every volume of policy '%s' with its disks: parts move to volume '%s' in place"
				.formatted(target.name(), table.storagePolicy(), destination.name()), lacks, destination);
		}
		String why = !requested.equals("auto") ? "--strategy " + requested
				: !lacks.isEmpty() ? "policy '%s' cannot replace policy '%s' in place (it lacks %s): copy into a second table and swap"
					.formatted(target.name(), table.storagePolicy(), String.join(", ", lacks))
				: "policy '%s' has no all-%s volume to move parts to: copy into a second table and swap"
					.formatted(target.name(), kind);
		return new Choice(requested, why, lacks, null);
	}

	/**
	 * The table's engine: MergeTree-family. {@code Replicated*} tables migrate in place only
	 * (storage settings and part moves are local to each replica; a second table and a swap are not).
	 */
	public void engine(TableInfo table, Choice choice, StoragePolicy target) {
		if (!table.isMergeTreeFamily()) {
			throw invalid("table %s uses %s: only MergeTree-family tables have a storage policy to migrate"
				.formatted(table.qualifiedName(), table.engine()));
		}
		if (table.isReplicated() && !choice.inPlace()) {
			throw invalid(("table %s uses %s: Replicated* tables migrate in place only, replica by replica. Give policy '%s' "
					+ "every volume of policy '%s' with its disks (%s) and an S3 volume, then run --strategy auto on each replica")
				.formatted(table.qualifiedName(), table.engine(), target.name(), table.storagePolicy(),
						choice.lacks().isEmpty() ? "it has them; it lacks an all-S3 volume" : "it lacks " + String.join(", ", choice.lacks())));
		}
	}

	/**
	 * The swap keeps materialized views fed only where the database lets the new table take the old
	 * one's place for them: {@code EXCHANGE TABLES} in Atomic databases does (views follow the
	 * name); the {@code RENAME} swap of Ordinary databases does not, so an Ordinary table that
	 * views read from is refused. A Replicated database replicates DDL (the work table, the
	 * exchange, the policy change) to every replica while the copy or move is local to this one: refused.
	 */
	public void databaseEngine(TableJobParameters job, Choice choice) {
		String engine = this.catalog.databaseEngine(job.database()).orElse("");
		if (engine.equals("Atomic")) {
			return;
		}
		if (engine.equals("Ordinary")) {
			List<String> views = this.catalog.dependentViews(job.database(), job.table());
			if (!views.isEmpty() && !choice.inPlace()) {
				throw invalid(("table %s is read by %s, and database %s is Ordinary: after the RENAME swap these views "
						+ "would receive nothing. Move the table to an Atomic database (where EXCHANGE TABLES keeps them fed), "
						+ "or drop the views during the migration").formatted(job.qualifiedTable(), String.join(", ", views),
								job.database()));
			}
			return;
		}
		throw invalid(("database %s uses the %s engine: only Atomic and Ordinary databases are supported (a Replicated "
				+ "database replicates the work table and the swap to every replica while the copy is local)")
			.formatted(job.database(), engine));
	}

	private static Optional<StoragePolicy> policy(List<StoragePolicy> policies, String name) {
		return policies.stream().filter((candidate) -> candidate.name().equals(name)).findFirst();
	}

	private MigratorException unknownTable(TableJobParameters job) {
		List<String> names = this.catalog.tables(job.database()).stream().map(TableInfo::name).toList();
		String listed = names.stream().limit(TABLES_LISTED).collect(Collectors.joining(", "))
				+ ((names.size() > TABLES_LISTED) ? ", …" : "");
		return invalid("table %s does not exist on %s; tables in %s: %s".formatted(job.qualifiedTable(),
				job.clickhouse(), job.database(), names.isEmpty() ? "none" : listed));
	}

	private static MigratorException invalid(String message) {
		return new MigratorException(ExitCodes.INVALID, message);
	}

}
