package io.github.chmigrator.copy;

import io.github.chmigrator.clickhouse.TableOperations;

/**
 * {@code ALTER TABLE target ATTACH PARTITION ID '…' FROM source}: the server copies the parts byte
 * for byte, across storage policies on recent ClickHouse. It takes every part the partition has
 * when it runs, which can include a part inserted after the caller listed them: the caller's
 * row check catches that and copies again.
 */
public class AttachPartitionStrategy implements CopyStrategy {

	private final TableOperations operations;

	public AttachPartitionStrategy(TableOperations operations) {
		this.operations = operations;
	}

	@Override
	public String name() {
		return "attach";
	}

	@Override
	public void copy(CopyRequest request) {
		this.operations.attachPartitionFrom(request.database(), request.target(), request.source(), request.partitionId());
	}

}
