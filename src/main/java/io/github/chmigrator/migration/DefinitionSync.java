package io.github.chmigrator.migration;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.clickhouse.ColumnInfo;
import io.github.chmigrator.clickhouse.DdlRewriter;
import io.github.chmigrator.clickhouse.TableOperations;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

/**
 * Keeps a table the migrator fills (the work table, the staging table) defined as the source while
 * the run goes on. {@code ADD COLUMN} on the source is carried over exactly: the same column (type,
 * default, codec, comment) at the same place, so rows copied before it read its default as the
 * source's rows do, and rows written after it keep their values (without it, {@code ATTACH} is
 * refused and a copy with the old column list would lose them). Any other difference (a dropped,
 * renamed or modified column, another key, TTL, index or setting) stops the table before the swap
 * with both definitions.
 */
public class DefinitionSync {

	private static final Logger logger = LoggerFactory.getLogger(DefinitionSync.class);

	private final TableOperations operations;

	/**
	 * Per {@code database.source>target}: both definitions as {@code system.tables} gave them when
	 * they were last found in sync, and the source's stored columns then. While both are unchanged,
	 * a partition needs one read instead of three.
	 */
	private final Map<String, Synced> synced = new ConcurrentHashMap<>();

	private record Synced(String source, String target, List<String> columns) {
	}

	public DefinitionSync(TableOperations operations) {
		this.operations = operations;
	}

	/**
	 * Brings {@code target}'s definition to the source's where that is exact.
	 * @return the source's stored columns, in table order, to copy with
	 * @throws MigratorException when the definitions differ in another way
	 */
	public List<String> sync(String database, String source, String target) {
		String key = database + "." + source + ">" + target;
		Map<String, String> now = this.operations.createQueries(database, List.of(source, target));
		Synced last = this.synced.get(key);
		if (last != null && last.source().equals(now.get(source)) && last.target().equals(now.get(target))) {
			return last.columns();
		}
		List<String> columns = fullSync(database, source, target);
		Map<String, String> after = this.operations.createQueries(database, List.of(source, target));
		if (after.get(source) != null && after.get(target) != null) {
			this.synced.put(key, new Synced(after.get(source), after.get(target), columns));
		}
		return columns;
	}

	private List<String> fullSync(String database, String source, String target) {
		String expected = DdlRewriter.normalize(this.operations.showCreateTable(database, source));
		List<ColumnInfo> sourceColumns = this.operations.columns(database, source);
		if (!DdlRewriter.normalize(this.operations.showCreateTable(database, target)).equals(expected)) {
			List<ColumnInfo> targetColumns = this.operations.columns(database, target);
			List<ColumnInfo> added = addedColumns(sourceColumns, targetColumns);
			for (ColumnInfo column : added) {
				int at = sourceColumns.indexOf(column);
				this.operations.addColumn(database, target, column, (at > 0) ? sourceColumns.get(at - 1).name() : null);
				logger.info("Table {}.{}: carried ADD COLUMN {} over to {}", database, source, column.definition(), target);
			}
			String actual = DdlRewriter.normalize(this.operations.showCreateTable(database, target));
			if (added.isEmpty() || !actual.equals(expected)) {
				throw new DefinitionChanged(("the definition of %s.%s changed during the run in a way "
						+ "the migrator carries over only for ADD COLUMN; nothing was swapped and no row is lost. Make "
						+ "%s.%s match (source: %s; %s: %s), then rerun").formatted(database, source, database, target,
								expected, target, actual));
			}
		}
		return sourceColumns.stream().filter(ColumnInfo::isStored).map(ColumnInfo::name).toList();
	}

	/**
	 * The source's columns the target lacks, when that is the only difference between the column
	 * lists (every target column is in the source, defined the same, in the same order); otherwise
	 * none.
	 */
	static List<ColumnInfo> addedColumns(List<ColumnInfo> source, List<ColumnInfo> target) {
		Set<ColumnInfo> present = Set.copyOf(target);
		List<ColumnInfo> kept = source.stream().filter(present::contains).toList();
		if (!kept.equals(target)) {
			return List.of();
		}
		return source.stream().filter((column) -> !present.contains(column)).collect(Collectors.toList());
	}

	/**
	 * The source's definition differs from a table the migrator fills in a way other than
	 * {@code ADD COLUMN}. With the source kept whole the work table is made anew from the source's
	 * definition and every partition copied again; with {@code --free-local-per-partition} the table stops.
	 */
	public static final class DefinitionChanged extends MigratorException {

		DefinitionChanged(String message) {
			super(ExitCodes.FAILED, message);
		}

	}

}
