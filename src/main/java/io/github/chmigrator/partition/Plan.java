package io.github.chmigrator.partition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.chmigrator.clickhouse.PartitionInfo;

/**
 * The partition plan as it is kept in the job's ExecutionContext: one text, a line per partition
 * in plan order, {@code id<TAB>partition<TAB>rows<TAB>bytes<TAB>imported<TAB>note} (tab, line feed
 * and backslash escaped as {@code \t}, {@code \n}, {@code \\}). A table of 100,000 partitions
 * is then one string of a few megabytes in memory and in the JobRepository (still readable there),
 * not 100,000 maps. Plans stored by an earlier version as a list of maps are read too.
 */
public final class Plan {

	private Plan() {
	}

	/**
	 * A planned partition.
	 *
	 * @param partition the partition as planned
	 * @param imported whether it comes from the progress file only: already copied by an earlier
	 * tool run and no longer in the source
	 * @param note why the partition is handled the way it is, for the report (may be empty)
	 */
	public record Entry(PartitionInfo partition, boolean imported, String note) {

	}

	public static String toContext(List<Entry> entries) {
		StringBuilder text = new StringBuilder(entries.size() * 48);
		for (Entry entry : entries) {
			text.append(escape(entry.partition().partitionId())).append('\t')
				.append(escape(entry.partition().partition())).append('\t')
				.append(entry.partition().rows()).append('\t')
				.append(entry.partition().bytes()).append('\t')
				.append(entry.imported() ? '1' : '0').append('\t')
				.append(escape(entry.note())).append('\n');
		}
		return text.toString();
	}

	public static List<Entry> entries(Object stored) {
		if (stored instanceof String text) {
			return parse(text);
		}
		if (!(stored instanceof List<?> items)) {
			throw new IllegalStateException("the job has no partition plan; was planPartitions run?");
		}
		List<Entry> entries = new ArrayList<>();
		for (Object item : items) {
			Map<?, ?> map = (Map<?, ?>) item;
			entries.add(new Entry(new PartitionInfo(String.valueOf(map.get("id")), String.valueOf(map.get("partition")),
					((Number) map.get("rows")).longValue(), ((Number) map.get("bytes")).longValue(), 0, List.of()),
					Boolean.TRUE.equals(map.get("imported")), (map.get("note") != null) ? map.get("note").toString() : ""));
		}
		return entries;
	}

	public static List<PartitionInfo> fromContext(Object stored) {
		return entries(stored).stream().map(Entry::partition).toList();
	}

	private static List<Entry> parse(String text) {
		List<Entry> entries = new ArrayList<>();
		int start = 0;
		while (start < text.length()) {
			int end = text.indexOf('\n', start);
			String[] fields = text.substring(start, end).split("\t", -1);
			entries.add(new Entry(new PartitionInfo(unescape(fields[0]), unescape(fields[1]), Long.parseLong(fields[2]),
					Long.parseLong(fields[3]), 0, List.of()), fields[4].equals("1"), unescape(fields[5])));
			start = end + 1;
		}
		return entries;
	}

	private static String escape(String value) {
		if (value.indexOf('\\') < 0 && value.indexOf('\t') < 0 && value.indexOf('\n') < 0) {
			return value;
		}
		return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n");
	}

	private static String unescape(String value) {
		if (value.indexOf('\\') < 0) {
			return value;
		}
		StringBuilder plain = new StringBuilder(value.length());
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c == '\\' && i + 1 < value.length()) {
				char next = value.charAt(++i);
				plain.append((next == 't') ? '\t' : (next == 'n') ? '\n' : next);
			}
			else {
				plain.append(c);
			}
		}
		return plain.toString();
	}

}
