package io.github.chmigrator.copy;

import java.util.HashMap;
import java.util.Map;

import io.github.chmigrator.clickhouse.TableOperations;

/**
 * Stops background merges on a source table while partitions are copied from it and dropped part
 * by part (a merge would fold a copied part with a newer one, and then neither could be dropped
 * safely), and starts them again when the last worker of this run is done with the table.
 */
public class MergeControl {

	private final TableOperations operations;

	private final Map<String, Integer> holders = new HashMap<>();

	public MergeControl(TableOperations operations) {
		this.operations = operations;
	}

	public synchronized void hold(String database, String table) {
		String key = database + "." + table;
		int count = this.holders.getOrDefault(key, 0);
		if (count == 0) {
			this.operations.stopMerges(database, table);
		}
		this.holders.put(key, count + 1);
	}

	public synchronized void release(String database, String table) {
		String key = database + "." + table;
		int count = this.holders.getOrDefault(key, 0);
		if (count <= 1) {
			this.holders.remove(key);
			this.operations.startMerges(database, table);
		}
		else {
			this.holders.put(key, count - 1);
		}
	}

}
