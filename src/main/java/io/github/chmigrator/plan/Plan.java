package io.github.chmigrator.plan;

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

	public static ArrayList<HashMap<String, Object>> toContext(List<PartitionInfo> partitions) {
		ArrayList<HashMap<String, Object>> entries = new ArrayList<>();
		for (PartitionInfo partition : partitions) {
			HashMap<String, Object> entry = new HashMap<>();
			entry.put("id", partition.partitionId());
			entry.put("partition", partition.partition());
			entry.put("rows", partition.rows());
			entry.put("bytes", partition.bytes());
			entries.add(entry);
		}
		return entries;
	}

	public static List<PartitionInfo> fromContext(Object stored) {
		if (!(stored instanceof List<?> entries)) {
			throw new IllegalStateException("the job has no partition plan; was planPartitions run?");
		}
		List<PartitionInfo> partitions = new ArrayList<>();
		for (Object item : entries) {
			Map<?, ?> entry = (Map<?, ?>) item;
			partitions.add(new PartitionInfo(String.valueOf(entry.get("id")), String.valueOf(entry.get("partition")),
					((Number) entry.get("rows")).longValue(), ((Number) entry.get("bytes")).longValue(), 0, List.of()));
		}
		return partitions;
	}

}
