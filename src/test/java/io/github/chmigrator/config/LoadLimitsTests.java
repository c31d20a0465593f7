package io.github.chmigrator.config;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** gh-ost's {@code METRIC=N,…} thresholds: parsed in order, and which one a reading exceeds. */
class LoadLimitsTests {

	@Test
	void thresholdsAreReadInOrderAndTheFirstExceededIsNamed() {
		LoadLimits limits = LoadLimits.parse(" Query=40, BackgroundMergesAndMutationsPoolTask = 16,LoadAverage1=2.5", "--max-load");

		assertThat(limits.limits()).containsExactly(Map.entry("Query", 40.0),
				Map.entry("BackgroundMergesAndMutationsPoolTask", 16.0), Map.entry("LoadAverage1", 2.5));
		assertThat(limits.exceeded(Map.of("Query", 40.0, "LoadAverage1", 2.0))).isNull();
		assertThat(limits.exceeded(Map.of("Query", 41.0, "LoadAverage1", 3.25))).isEqualTo("Query=41 > 40");
		assertThat(limits.exceeded(Map.of("LoadAverage1", 3.25))).isEqualTo("LoadAverage1=3.25 > 2.5");
		assertThat(LoadLimits.parse("", "--max-load").isEmpty()).isTrue();
		assertThat(LoadLimits.parse(null, "--max-load")).isEqualTo(LoadLimits.NONE);
	}

	@Test
	void anotherShapeIsRefusedNamingTheFlag() {
		for (String text : new String[] { "Query", "Query=", "Query=-1", "=4", "Query=x", "Query=1,,", "1Query=2" }) {
			assertThatThrownBy(() -> LoadLimits.parse(text, "--critical-load")).isInstanceOf(MigratorException.class)
				.hasMessageStartingWith("--critical-load takes METRIC=N")
				.satisfies((ex) -> assertThat(((MigratorException) ex).exitCode()).isEqualTo(ExitCodes.INVALID));
		}
	}

}
