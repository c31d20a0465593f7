package io.github.chmigrator.partition;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.partition.CatchUps.Move;

import static org.assertj.core.api.Assertions.assertThat;

class CatchUpRecordsTests {

	@Test
	void aStagedMoveIsResolvedByTheRowsLeftInStaging() {
		assertThat(StagedMove.of(50, 50)).isEqualTo(StagedMove.TO_MOVE);
		assertThat(StagedMove.of(0, 50)).as("MOVE PARTITION is atomic: empty means moved").isEqualTo(StagedMove.MOVED);
		assertThat(StagedMove.of(0, 0)).isEqualTo(StagedMove.TO_MOVE);
		assertThat(StagedMove.of(20, 50)).isEqualTo(StagedMove.INCONSISTENT);
		assertThat(StagedMove.of(70, 50)).isEqualTo(StagedMove.INCONSISTENT);
	}

	@Test
	void theMoveInFlightSurvivesItsRecordAlsoFromAnEarlierVersion() {
		Move move = new Move("202401", List.of("202401_7_7_0", "202401_9_9_0"), 30, "7-7:10,9-9:20", 1234);
		assertThat(Move.parse(move.format())).isEqualTo(move);
		assertThat(Move.parse("202401|202401_7_7_0|10|7-7").listedAt()).isZero();
	}

}
