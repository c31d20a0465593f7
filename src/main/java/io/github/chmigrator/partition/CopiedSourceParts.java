package io.github.chmigrator.partition;

import java.util.function.Function;

import io.github.chmigrator.clickhouse.PartInfo;
import io.github.chmigrator.clickhouse.TableOperations;

/**
 * Drops from a source partition exactly the parts whose rows are in the work table: a part within
 * a copied block range is that part, or its rows rewritten by a mutation (same range, another data
 * version in the name); a part across a range's bound merged copied rows with others and stops the
 * caller, since neither dropping nor keeping it is exact. Used after a copy and by {@code --abort}.
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
		for (PartInfo part : operations.activeParts(database, table, partitionId)) {
			BlockRanges.Status status = copied.classify(part);
			if (status == BlockRanges.Status.MIXED) {
				throw mixed.apply(part);
			}
			if (status == BlockRanges.Status.COPIED) {
				operations.dropPart(database, table, part.name());
				afterEach.run();
			}
		}
	}

}
