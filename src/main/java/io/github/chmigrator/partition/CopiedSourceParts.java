package io.github.chmigrator.partition;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import io.github.chmigrator.clickhouse.PartInfo;
import io.github.chmigrator.clickhouse.TableOperations;

/**
 * Drops from a source partition exactly the parts whose rows are in the work table: a part within
 * a copied block range is that part, or its rows rewritten by a mutation (same range, another data
 * version in the name); a part across a range's bound merged copied rows with others and stops the
 * caller, since neither dropping nor keeping it is exact. Used after a copy (one partition, or a
 * batch: {@link #select}) and by {@code --abort}.
 */
public final class CopiedSourceParts {

	private CopiedSourceParts() {
	}

	/**
	 * @param mixed the failure to throw for a part that merged copied rows with others
	 * @param afterEach run after each part dropped
	 */
	public static void drop(TableOperations operations, String database, String table, String partitionId,
			BlockRanges copied, Function<PartInfo, RuntimeException> mixed, Runnable afterEach) {
		Selection selection = select(operations.activeParts(database, table, partitionId), copied);
		for (PartInfo part : selection.copied()) {
			operations.dropPart(database, table, part.name());
			afterEach.run();
		}
		if (selection.mixed() != null) {
			throw mixed.apply(selection.mixed());
		}
	}

	/**
	 * The parts of a partition, in order, whose rows are all copied, up to the first that merged
	 * copied rows with others ({@code mixed}, {@code null} without one); parts of rows inserted later
	 * are in neither.
	 */
	public record Selection(List<PartInfo> copied, PartInfo mixed) {
	}

	public static Selection select(List<PartInfo> parts, BlockRanges copied) {
		List<PartInfo> selected = new ArrayList<>();
		for (PartInfo part : parts) {
			BlockRanges.Status status = copied.classify(part);
			if (status == BlockRanges.Status.MIXED) {
				return new Selection(selected, part);
			}
			if (status == BlockRanges.Status.COPIED) {
				selected.add(part);
			}
		}
		return new Selection(selected, null);
	}

}
