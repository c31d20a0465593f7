package io.github.chmigrator.migration;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import io.github.chmigrator.clickhouse.TableOperations;

/**
 * Stops background merges on a source table while parts are copied from it and dropped part by
 * part (a merge would fold a copied part with a newer one, and then neither could be dropped
 * safely), and starts them again when the last holder of this run lets go. Holders are named
 * (a partition id, the catch-up), so holding twice is harmless and one holder's release never
 * restarts merges another still needs. Every hold stops merges again, even when the table is
 * already held: a server restarted meanwhile has forgotten {@code SYSTEM STOP MERGES}.
 */
public class MergeControl {

	private final TableOperations operations;

	private final Map<String, Set<String>> holders = new HashMap<>();

	public MergeControl(TableOperations operations) {
		this.operations = operations;
	}

	public void hold(String database, String table, String holder) {
		holdAll(database, table, Set.of(holder));
	}

	/** {@link #hold} for several holders, with one {@code SYSTEM STOP MERGES}. */
	public synchronized void holdAll(String database, String table, Collection<String> holders) {
		this.operations.stopMerges(database, table);
		this.holders.computeIfAbsent(database + "." + table, (key) -> new HashSet<>()).addAll(holders);
	}

	/** {@link #release} for several holders, with at most one {@code SYSTEM START MERGES}. */
	public synchronized void releaseAll(String database, String table, Collection<String> holders) {
		Set<String> tableHolders = this.holders.get(database + "." + table);
		if (tableHolders == null || !tableHolders.removeAll(holders)) {
			return;
		}
		if (tableHolders.isEmpty()) {
			this.holders.remove(database + "." + table);
			this.operations.startMerges(database, table);
		}
	}

	/**
	 * Lets every holder of this run go on a table: its job ended without completing (stopped,
	 * failed), so merges on the live table start again whatever phase held them.
	 */
	public synchronized void releaseTable(String database, String table) {
		if (this.holders.remove(database + "." + table) != null) {
			this.operations.startMerges(database, table);
		}
	}

	public void release(String database, String table, String holder) {
		releaseAll(database, table, Set.of(holder));
	}

}
