package io.github.chmigrator.partition;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.clickhouse.PartitionInfo;

import static org.assertj.core.api.Assertions.assertThat;

class PlanTests {

	@Test
	void thePlanIsOneTextThatReadsBackEveryEntryWhateverItsPartitionValueHolds() {
		List<Plan.Entry> entries = List.of(
				new Plan.Entry(new PartitionInfo("202401", "202401", 25854, 1048576, 0, List.of()), false, ""),
				new Plan.Entry(new PartitionInfo("a1b2", "('x\ty', 'line\nfeed', 'back\\slash')", 3, 300, 0, List.of()), true,
						"imported from the progress file"));

		Object stored = Plan.toContext(entries);

		assertThat(stored).isInstanceOf(String.class);
		assertThat((String) stored).startsWith("202401\t202401\t25854\t1048576\t0\t\n").hasLineCount(2);
		assertThat(Plan.entries(stored)).isEqualTo(entries);
	}

	@Test
	void aPlanStoredByAnEarlierVersionAsMapsIsReadToo() {
		Map<String, Object> map = new HashMap<>(Map.of("id", "7", "partition", "7", "rows", 10, "bytes", 100L, "imported", false));
		map.put("note", null);

		assertThat(Plan.entries(List.of(map)))
			.containsExactly(new Plan.Entry(new PartitionInfo("7", "7", 10, 100, 0, List.of()), false, ""));
	}

}
