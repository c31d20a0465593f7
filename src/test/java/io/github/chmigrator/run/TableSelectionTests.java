package io.github.chmigrator.run;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.clickhouse.TableInfo;
import io.github.chmigrator.run.TableSelection.Decision;

import static org.assertj.core.api.Assertions.assertThat;

class TableSelectionTests {

	private static TableInfo table(String name, String engine, String policy) {
		return new TableInfo("db", name, engine, "", policy, "", 0, 0, "");
	}

	@Test
	void migratesMergeTreeFamilyTablesInNameOrderAndSaysWhyOthersAreSkipped() {
		List<Decision> decisions = TableSelection.decide(List.of(table("z_events", "MergeTree", "default"),
				table("a_sums", "SummingMergeTree", "default"), table("v", "View", ""),
				table("mv", "MaterializedView", ""), table(".inner_id.0f3c", "MergeTree", "default"),
				table(".inner.mv_old", "MergeTree", "default"), table("dist", "Distributed", ""),
				table("dict", "Dictionary", ""), table("lg", "Log", ""), table("tl", "TinyLog", ""),
				table("mem", "Memory", ""), table("kf", "Kafka", ""), table("rep", "ReplicatedMergeTree", "default"),
				table("done", "MergeTree", "s3")), "s3");

		assertThat(decisions).filteredOn(Decision::migrate)
			.extracting((decision) -> decision.table().name())
			.containsExactly("a_sums", "z_events");
		assertThat(decisions).extracting((decision) -> decision.table().name())
			.isSortedAccordingTo(String::compareTo);
		assertThat(reason(decisions, "v")).contains("view");
		assertThat(reason(decisions, "mv")).contains("view");
		assertThat(reason(decisions, ".inner_id.0f3c")).contains("inner table of a materialized view");
		assertThat(reason(decisions, ".inner.mv_old")).contains("inner table of a materialized view");
		assertThat(reason(decisions, "dist")).contains("engine Distributed");
		assertThat(reason(decisions, "dict")).contains("engine Dictionary");
		assertThat(reason(decisions, "lg")).contains("engine Log");
		assertThat(reason(decisions, "tl")).contains("engine TinyLog");
		assertThat(reason(decisions, "mem")).contains("engine Memory");
		assertThat(reason(decisions, "kf")).contains("engine Kafka");
		assertThat(reason(decisions, "rep")).contains("a Replicated* table migrates in place only, and policy 's3' cannot "
				+ "replace its policy 'default' in place");
		assertThat(reason(decisions, "done")).contains("already on storage policy 's3'");
	}

	@Test
	void aReplicatedTableIsMigratedWhenItWouldMigrateInPlace() {
		List<Decision> decisions = TableSelection.decide(List.of(table("rep", "ReplicatedMergeTree", "default"),
				table("other", "ReplicatedMergeTree", "fast")), "s3_first", (table) -> table.storagePolicy().equals("default"));

		assertThat(reason(decisions, "rep")).isNull();
		assertThat(reason(decisions, "other")).contains("migrates in place only");
	}

	@Test
	void workStagingAndKeptTablesOfAMigrationAreNotMigratedThemselves() {
		List<Decision> decisions = TableSelection.decide(List.of(table("t", "MergeTree", "s3"),
				table("t__migrating", "MergeTree", "default"), table("t__late", "MergeTree", "s3"),
				table("t_origin", "MergeTree", "default"), table("orphan_origin", "MergeTree", "default")), "s3");

		assertThat(reason(decisions, "t")).isNull();
		assertThat(reason(decisions, "t__migrating")).contains("work table");
		assertThat(reason(decisions, "t__late")).contains("staging table");
		assertThat(reason(decisions, "t_origin")).contains("kept by an earlier --keep-source");
		assertThat(reason(decisions, "orphan_origin")).isNull();
	}

	private static String reason(List<Decision> decisions, String name) {
		return decisions.stream().filter((d) -> d.table().name().equals(name)).findFirst().orElseThrow().skipReason();
	}

}
