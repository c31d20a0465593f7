package io.github.chmigrator.legacy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.legacy.ProgressFile.PartitionProgress;
import io.github.chmigrator.legacy.ProgressFile.TableProgress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProgressFileTests {

	@TempDir
	Path dir;

	@Test
	void writesAndReadsBackTheDocumentedFormat() throws Exception {
		Path file = this.dir.resolve("progress.json");
		TableProgress table = new TableProgress("in_progress", "events__migrating", "s3", "t0", "t0", null, Map.of())
			.withPartition("202401", new PartitionProgress(25854, "t1"), "t1");

		ProgressFile.empty().with("demo.events", table, "t1").write(file);

		String json = Files.readString(file);
		assertThat(json).contains("\"version\" : 1")
			.contains("\"demo.events\"")
			.contains("\"status\" : \"in_progress\"")
			.contains("\"targetTable\" : \"events__migrating\"")
			.contains("\"202401\"")
			.contains("\"rows\" : 25854");
		assertThat(ProgressFile.read(file).table("demo.events")).isEqualTo(table);
	}

	@Test
	void rewritingLeavesNoTemporaryFileBehind() throws Exception {
		Path file = this.dir.resolve("progress.json");
		for (int i = 0; i < 5; i++) {
			ProgressFile.empty()
				.with("db.t" + i, new TableProgress("in_progress", "t__migrating", "s3", "a", "a", null, Map.of()), "a")
				.write(file);
		}
		try (Stream<Path> files = Files.list(this.dir)) {
			assertThat(files).containsExactly(file);
		}
	}

	@Test
	void missingFileIsEmpty() {
		assertThat(ProgressFile.read(this.dir.resolve("none.json")).tables()).isEmpty();
	}

	@Test
	void completedStatusStampsCompletion() {
		TableProgress table = new TableProgress("in_progress", "t__migrating", "s3", "a", "a", null, Map.of());

		assertThat(table.withStatus("completed", "b").completedAt()).isEqualTo("b");
		assertThat(table.withStatus("failed", "b").completedAt()).isNull();
	}

	@Test
	void unknownVersionOrBrokenJsonIsRefusedByName() throws Exception {
		Path future = Files.writeString(this.dir.resolve("future.json"), "{\"version\": 7, \"tables\": {}}");
		Path broken = Files.writeString(this.dir.resolve("broken.json"), "{\"version\": 1, \"tables\": ");

		assertThatThrownBy(() -> ProgressFile.read(future)).isInstanceOf(MigratorException.class)
			.hasMessageContaining("format version 7");
		assertThatThrownBy(() -> ProgressFile.read(broken)).isInstanceOf(MigratorException.class)
			.hasMessageContaining("broken.json is not valid");
	}

}
