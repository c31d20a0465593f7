package io.github.chmigrator.partition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.chmigrator.clickhouse.PartitionInfo;

/**
 * The partition plan as it is kept in the job's ExecutionContext: a list of plain maps, so that
 * the JobRepository stores it as readable JSON and a restart reads it back unchanged.
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

	public static ArrayList<HashMap<String, Object>> toContext(List<Entry> entries) {
		ArrayList<HashMap<String, Object>> stored = new ArrayList<>();
		for (Entry entry : entries) {
			HashMap<String, Object> map = new HashMap<>();
			map.put("id", entry.partition().partitionId());
			map.put("partition", entry.partition().partition());
			map.put("rows", entry.partition().rows());
			map.put("bytes", entry.partition().bytes());
			map.put("imported", entry.imported());
			map.put("note", entry.note());
			stored.add(map);
		}
		return stored;
	}

	public static List<Entry> entries(Object stored) {
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

}
