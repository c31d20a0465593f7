package io.github.chmigrator.clickhouse;

/**
 * One mutation of a table, from {@code system.mutations}: an {@code ALTER … UPDATE/DELETE}, a
 * lightweight {@code DELETE}, a {@code MATERIALIZE …}, {@code APPLY PATCHES}, or a column change
 * that rewrites data.
 *
 * @param id the mutation id ({@code mutation_12.txt}, or {@code 0000000012} on replicated tables)
 * @param command what it does
 * @param createTime when it was created (server time, text)
 * @param done whether it finished on every part it applies to
 */
public record MutationInfo(String id, String command, String createTime, boolean done) {

	/** The number in the id: mutations of a table are numbered in the order they were created. */
	public long number() {
		String digits = this.id.replaceAll("\\D", "");
		return digits.isEmpty() ? 0 : Long.parseLong(digits);
	}

}
