package io.github.chmigrator.migration;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.github.chmigrator.clickhouse.PartitionInfo;
import io.github.chmigrator.partition.PartitionPlanner;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTrackerTests {

	@Test
	void theSnapshotCountsWhatThisRunCopiedAndWhyItWaits() {
		ProgressTracker tracker = new ProgressTracker();
		tracker.begin("db.t", List.of(partition("1", 100, 1000), partition("2", 300, 3000)));
		tracker.phase("db.t", "copyPartitions");
		tracker.started("db.t", List.of("1"));
		tracker.waiting("db.t", "throttled", "flag file /f exists");
		tracker.waiting("db.t", "cut-over postponed", "flag file /p exists");

		ProgressTracker.Snapshot waiting = tracker.snapshot("db.t");

		assertThat(waiting.phase()).isEqualTo("copyPartitions");
		assertThat(waiting.inFlight()).containsOnlyKeys("1");
		assertThat(waiting.throttled()).isEqualTo("flag file /f exists");
		assertThat(waiting.postponed()).isEqualTo("flag file /p exists");
		assertThat(waiting.etaSeconds()).as("nothing copied yet").isNull();

		ExecutionContext done = new ExecutionContext();
		done.putString(PartitionPlanner.PARTITION, "1");
		done.putLong(PartitionPlanner.COPIED_ROWS, 100);
		done.putLong(PartitionPlanner.PLANNED_BYTES, 1000);
		done.putInt(PartitionPlanner.INDEX, 1);
		done.putInt(PartitionPlanner.COUNT, 2);
		tracker.partitionDone("db.t", done);
		tracker.ended("db.t", List.of("1"));
		tracker.waiting("db.t", "throttled", null);

		ProgressTracker.Snapshot after = tracker.snapshot("db.t");

		assertThat(after.partitionsDone()).isEqualTo(1);
		assertThat(after.partitionsTotal()).isEqualTo(2);
		assertThat(after.rowsDone()).isEqualTo(100);
		assertThat(after.rowsTotal()).isEqualTo(400);
		assertThat(after.percent()).isEqualTo(25.0);
		assertThat(after.inFlight()).isEmpty();
		assertThat(after.throttled()).isNull();
		assertThat(after.etaSeconds()).isNotNull();
	}

	private static PartitionInfo partition(String id, long rows, long bytes) {
		return new PartitionInfo(id, id, rows, bytes, 1, List.of("default"));
	}

}
