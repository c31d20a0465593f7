package io.github.chmigrator.copy;

import java.util.List;

import io.github.chmigrator.clickhouse.PartInfo;
import io.github.chmigrator.clickhouse.TableOperations;

/**
 * {@code INSERT INTO target (cols) SELECT cols FROM source WHERE _part IN (…)} with the stored
 * columns (MATERIALIZED included) and {@code optimize_on_insert = 0}, so that Summing, Replacing
 * and Collapsing engines do not fold rows while copying. Copies exactly the listed parts, one
 * insert per part in block order, read by one thread: each source part becomes one target part
 * with its rows in the same order, which Collapsing engines depend on.
 */
public class InsertSelectStrategy implements CopyStrategy {

	private final TableOperations operations;

	public InsertSelectStrategy(TableOperations operations) {
		this.operations = operations;
	}

	@Override
	public String name() {
		return "insert";
	}

	@Override
	public void copy(CopyRequest request) {
		for (PartInfo part : request.parts()) {
			this.operations.insertParts(request.database(), request.target(), request.source(), request.columns(),
					List.of(part.name()));
		}
	}

}
