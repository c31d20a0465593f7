package io.github.chmigrator.partition;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.partition.MoveWindows.Effect;

import static org.assertj.core.api.Assertions.assertThat;

class MoveWindowsTests {

	@Test
	void aStatementAfterEveryMoveIsCarried() {
		assertThat(MoveWindows.parse("100-200;300-400").effectOf(1000, 1010, 100)).isEqualTo(Effect.CARRY);
	}

	@Test
	void aStatementBeforeAnyMoveIsAlreadyInTheCopy() {
		assertThat(MoveWindows.of(1000, 2000).effectOf(100, 200, 100)).isEqualTo(Effect.NONE);
		assertThat(MoveWindows.NONE.effectOf(100, 200, 100)).isEqualTo(Effect.NONE);
	}

	@Test
	void aStatementDuringAMoveBetweenTwoOrWithinTheMarginIsUncertain() {
		assertThat(MoveWindows.of(100, 200).effectOf(150, 160, 0)).isEqualTo(Effect.UNCERTAIN);
		assertThat(MoveWindows.parse("100-200;300-400").effectOf(250, 260, 10)).isEqualTo(Effect.UNCERTAIN);
		assertThat(MoveWindows.of(100, 200).effectOf(250, 260, 100)).isEqualTo(Effect.UNCERTAIN);
		assertThat(MoveWindows.of(100, Long.MAX_VALUE).effectOf(5000, 5001, 0)).isEqualTo(Effect.UNCERTAIN);
	}

	@Test
	void windowsRoundTrip() {
		MoveWindows windows = MoveWindows.of(1, 2).plus(MoveWindows.of(3, Long.MAX_VALUE));
		assertThat(MoveWindows.parse(windows.format()).format()).isEqualTo("1-2;3-" + Long.MAX_VALUE);
	}

}
