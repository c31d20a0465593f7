package io.github.chmigrator.clickhouse;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MutationInfoTests {

	@Test
	void mutationsAreNumberedByTheirIdOnPlainAndReplicatedTables() {
		assertThat(new MutationInfo("mutation_12.txt", "DELETE WHERE 1", "", true).number()).isEqualTo(12);
		assertThat(new MutationInfo("0000000007", "UPDATE x = 1 WHERE 1", "", false).number()).isEqualTo(7);
		assertThat(new MutationInfo("", "", "", true).number()).isZero();
	}

}
