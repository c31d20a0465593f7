package io.github.chmigrator.config;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.core.MigratorException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --cut-over-window HH:MM-HH:MM}, in UTC, also across midnight. */
class CutOverWindowTests {

	@Test
	void aWindowWithinADayHoldsItsStartButNotItsEnd() {
		CutOverWindow window = CutOverWindow.parse("02:00-04:30");

		assertThat(window.contains(Instant.parse("2026-12-04T02:00:00Z"))).isTrue();
		assertThat(window.contains(Instant.parse("2026-12-04T04:29:59Z"))).isTrue();
		assertThat(window.contains(Instant.parse("2026-12-04T04:30:00Z"))).isFalse();
		assertThat(window.contains(Instant.parse("2026-12-04T01:59:59Z"))).isFalse();
		assertThat(window).hasToString("02:00-04:30 UTC");
	}

	@Test
	void aWindowOverMidnightHoldsBothEnds() {
		CutOverWindow window = CutOverWindow.parse(" 22:00-02:00 ");

		assertThat(window.contains(Instant.parse("2026-12-04T23:10:00Z"))).isTrue();
		assertThat(window.contains(Instant.parse("2026-12-05T01:59:00Z"))).isTrue();
		assertThat(window.contains(Instant.parse("2026-12-05T02:00:00Z"))).isFalse();
		assertThat(window.contains(Instant.parse("2026-12-04T12:00:00Z"))).isFalse();
	}

	@Test
	void anotherShapeIsRefused() {
		assertThat(CutOverWindow.parse("")).isNull();
		for (String text : new String[] { "22:00", "22-02", "25:00-02:00", "22:00-22:00", "2:00-4:00", "a-b" }) {
			assertThatThrownBy(() -> CutOverWindow.parse(text)).isInstanceOf(MigratorException.class)
				.hasMessageStartingWith("--cut-over-window takes HH:MM-HH:MM in UTC");
		}
	}

}
