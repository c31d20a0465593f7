package io.github.chmigrator.faults;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;

class FailurePointsTests {

	@Test
	void aNameNoCodeReachesIsRefusedWithTheKnownOnes() {
		assertThatExceptionOfType(MigratorException.class)
			.isThrownBy(() -> new FailurePoints("copy.afterCopy,swap.afterCatchUpInsert@3", ""))
			.satisfies((ex) -> assertThat(ex.exitCode()).isEqualTo(ExitCodes.INVALID))
			.withMessageContaining("unknown failure point 'swap.afterCatchUpInsert' in migrator.fail-at")
			.withMessageContaining("swap.afterCatchUpMove");
		assertThatExceptionOfType(MigratorException.class).isThrownBy(() -> new FailurePoints("", "copy.typo"))
			.withMessageContaining("in migrator.halt-at");
	}

	@Test
	void aPointFiresForItsPartitionOnly() {
		FailurePoints points = new FailurePoints(" copy.afterCopy@2 , swap.beforeExchange", null);

		assertThatNoException().isThrownBy(() -> points.reached("copy.afterCopy", "1"));
		assertThatIllegalStateException().isThrownBy(() -> points.reached("copy.afterCopy", "2"))
			.withMessage("simulated failure at copy.afterCopy@2");
		assertThatIllegalStateException().isThrownBy(() -> points.reached("swap.beforeExchange", null));
	}

	@Test
	void noPointsMakeEveryCheckANoOp() {
		FailurePoints points = new FailurePoints("", " ");

		for (String name : FailurePoints.NAMES) {
			assertThatNoException().isThrownBy(() -> points.reached(name, "0"));
		}
	}

}
