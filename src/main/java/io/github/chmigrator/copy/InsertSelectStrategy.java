package io.github.chmigrator.copy;

import io.github.chmigrator.clickhouse.PartInfo;
import io.github.chmigrator.clickhouse.TableOperations;

/**
 * {@code INSERT INTO target (cols) SELECT cols FROM source WHERE _part IN (…)} with the stored
 * columns (MATERIALIZED included) and {@code optimize_on_insert = 0}, so that Summing, Replacing
 * and Collapsing engines do not fold rows while copying. Copies exactly the listed parts.
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
		this.operations.insertParts(request.database(), request.target(), request.source(), request.columns(),
				request.parts().stream().map(PartInfo::name).toList());
	}

}
