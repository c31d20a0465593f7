package io.github.chmigrator.copy;

import java.util.List;

import io.github.chmigrator.clickhouse.PartInfo;

/**
 * Copies the parts of one partition from the source table into the (empty) same partition of
 * the target table. The caller verifies the result and decides what to do when it differs.
 */
public interface CopyStrategy {

	/** {@code attach} or {@code insert}: what the report says ran. */
	String name();

	void copy(CopyRequest request);

	/**
	 * One partition to copy.
	 *
	 * @param database the database of both tables
	 * @param source the source table
	 * @param target the target table
	 * @param partitionId the partition id
	 * @param parts the source parts to copy
	 * @param columns the stored columns, in table order
	 */
	record CopyRequest(String database, String source, String target, String partitionId, List<PartInfo> parts,
			List<String> columns) {

	}

}
