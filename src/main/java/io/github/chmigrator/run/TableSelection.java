package io.github.chmigrator.run;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import io.github.chmigrator.clickhouse.TableInfo;
import io.github.chmigrator.migration.TableJobParameters;

/**
 * Which tables of a database {@code --mode full} migrates, in name order, and why it leaves the
 * others alone (design §6.2). Pure: it decides from {@code system.tables} rows only.
 */
public final class TableSelection {

	private static final Set<String> VIEWS = Set.of("View", "MaterializedView", "LiveView", "WindowView");

	private TableSelection() {
	}

	/**
	 * A table and the decision about it.
	 *
	 * @param table the table
	 * @param skipReason why it is not migrated, {@code null} when it is
	 */
	public record Decision(TableInfo table, String skipReason) {

		public boolean migrate() {
			return this.skipReason == null;
		}

	}

	public static List<Decision> decide(List<TableInfo> tables, String targetPolicy) {
		return decide(tables, targetPolicy, (table) -> false);
	}

	/**
	 * @param inPlace whether a table would migrate in place: {@code Replicated*} tables migrate
	 * only so
	 */
	public static List<Decision> decide(List<TableInfo> tables, String targetPolicy, Predicate<TableInfo> inPlace) {
		Set<String> names = tables.stream().map(TableInfo::name).collect(Collectors.toSet());
		List<Decision> decisions = new ArrayList<>();
		tables.stream()
			.sorted(Comparator.comparing(TableInfo::name))
			.forEach((table) -> decisions.add(new Decision(table, skipReason(table, targetPolicy, names, inPlace))));
		return decisions;
	}

	static String skipReason(TableInfo table, String targetPolicy, Set<String> names, Predicate<TableInfo> inPlace) {
		String name = table.name();
		if (VIEWS.contains(table.engine())) {
			return "a view (" + table.engine() + ") has no data of its own";
		}
		if (name.startsWith(".inner.") || name.startsWith(".inner_id.")) {
			return "the inner table of a materialized view";
		}
		if (name.endsWith(TableJobParameters.WORK_SUFFIX)
				&& names.contains(name.substring(0, name.length() - TableJobParameters.WORK_SUFFIX.length()))) {
			return "the work table of a migration in progress (it resumes with its table)";
		}
		if (name.endsWith(TableJobParameters.STAGING_SUFFIX)
				&& names.contains(name.substring(0, name.length() - TableJobParameters.STAGING_SUFFIX.length()))) {
			return "the staging table of a migration in progress";
		}
		if (name.endsWith(TableJobParameters.ORIGIN_SUFFIX)
				&& names.contains(name.substring(0, name.length() - TableJobParameters.ORIGIN_SUFFIX.length()))) {
			return "the original kept by an earlier --keep-source migration";
		}
		if (table.isReplicated() && !inPlace.test(table)) {
			return "a Replicated* table migrates in place only, and policy '" + targetPolicy
					+ "' cannot replace its policy '" + table.storagePolicy() + "' in place";
		}
		if (!table.isMergeTreeFamily()) {
			return "engine " + table.engine() + " has no storage policy to migrate";
		}
		if (table.storagePolicy().equals(targetPolicy) && !names.contains(name + TableJobParameters.WORK_SUFFIX)) {
			return "already on storage policy '" + targetPolicy + "'";
		}
		return null;
	}

}
