package io.github.chmigrator.clickhouse;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.clickhouse.PartitionCommand.Kind;

import static org.assertj.core.api.Assertions.assertThat;

class PartitionCommandTests {

	@Test
	void readsTheCommandsAsClickHouseFormatsThem() {
		assertThat(PartitionCommand.parse("ALTER TABLE db.t (DROP PARTITION 202401), (DETACH PARTITION tuple(2, 'a,b')), "
				+ "(DROP PART 'all_1_1_0'), (DELETE WHERE x = 1)")).containsExactly(
						new PartitionCommand(Kind.DROP_PARTITION, "202401"),
						new PartitionCommand(Kind.DETACH_PARTITION, "tuple(2, 'a,b')"),
						new PartitionCommand(Kind.DROP_PART, "all_1_1_0"));
	}

	@Test
	void readsTheCommandsAsTyped() {
		assertThat(PartitionCommand.parse("alter table `my db`.`t` on cluster 'c' drop partition id '2024-01', "
				+ "replace partition ('2024-01-01', 'eu') from db.other, move partition 3 to table db.x, "
				+ "move partition 4 to disk 's3', attach partition 5 from db.y, detach part 'p_2_2_0'")).containsExactly(
						new PartitionCommand(Kind.DROP_PARTITION, "id '2024-01'"),
						new PartitionCommand(Kind.REPLACE_PARTITION, "('2024-01-01', 'eu')"),
						new PartitionCommand(Kind.MOVE_PARTITION_TO_TABLE, "3"),
						new PartitionCommand(Kind.DETACH_PART, "p_2_2_0"));
	}

	@Test
	void partitionsAreNamedByValueByIdOrAll() {
		PartitionCommand byId = PartitionCommand.parse("ALTER TABLE t (DROP PARTITION ID 'it\\'s')").get(0);
		assertThat(byId.partitionId()).isEqualTo("it's");
		assertThat(byId.all()).isFalse();
		assertThat(PartitionCommand.parse("ALTER TABLE t (DETACH PARTITION ALL)").get(0).all()).isTrue();
		assertThat(PartitionCommand.parse("ALTER TABLE t (DROP PARTITION '2024-01-01')").get(0).partitionId()).isNull();
		assertThat(PartitionCommand.parse("TRUNCATE TABLE db.t")).containsExactly(new PartitionCommand(Kind.TRUNCATE, ""));
		assertThat(PartitionCommand.parse("TRUNCATE TABLE db.t").get(0).all()).isTrue();
	}

	@Test
	void otherStatementsRemoveNoPartition() {
		assertThat(PartitionCommand.parse("ALTER TABLE t (ADD COLUMN c String), (MODIFY SETTING x = 1)")).isEmpty();
		assertThat(PartitionCommand.parse("ALTER TABLE t (FREEZE PARTITION 1), (DROP DETACHED PARTITION 1)")).isEmpty();
		assertThat(PartitionCommand.parse("DROP TABLE db.t")).isEmpty();
		assertThat(PartitionCommand.parse("ALTER TABLE t (UPDATE x = 'DROP PARTITION 1' WHERE 1)")).isEmpty();
	}

}
