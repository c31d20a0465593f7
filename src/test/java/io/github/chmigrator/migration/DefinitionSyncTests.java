package io.github.chmigrator.migration;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.clickhouse.ColumnInfo;

import static org.assertj.core.api.Assertions.assertThat;

class DefinitionSyncTests {

	private static final ColumnInfo P = column("p", "UInt8");

	private static final ColumnInfo ID = column("id", "UInt64");

	private static final ColumnInfo S = column("s", "String");

	@Test
	void columnsAddedAnywhereAreTheDifference() {
		ColumnInfo c = new ColumnInfo("c", "String", "DEFAULT", "'none'", "CODEC(ZSTD(3))", "it's new");

		assertThat(DefinitionSync.addedColumns(List.of(P, ID, c, S), List.of(P, ID, S))).containsExactly(c);
		assertThat(DefinitionSync.addedColumns(List.of(c, P, ID, S), List.of(P, ID, S))).containsExactly(c);
		assertThat(c.definition()).isEqualTo("`c` String DEFAULT 'none' COMMENT 'it\\'s new' CODEC(ZSTD(3))");
	}

	@Test
	void aDroppedModifiedOrReorderedColumnIsNoAddition() {
		assertThat(DefinitionSync.addedColumns(List.of(P, ID), List.of(P, ID, S))).isEmpty();
		assertThat(DefinitionSync.addedColumns(List.of(P, ID, column("s", "LowCardinality(String)")), List.of(P, ID, S)))
			.isEmpty();
		assertThat(DefinitionSync.addedColumns(List.of(ID, P, S), List.of(P, ID, S))).isEmpty();
		assertThat(DefinitionSync.addedColumns(List.of(P, ID, S), List.of(P, ID, S))).isEmpty();
	}

	private static ColumnInfo column(String name, String type) {
		return new ColumnInfo(name, type, "", "", "", "");
	}

}
