package io.github.chmigrator.migration;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CopyPacingTests {

	private final AtomicLong now = new AtomicLong(10_000);

	private final CopyPacing pacing = new CopyPacing(this.now::get);

	@Test
	void theAverageRateSinceTheFirstPartitionStaysUnderTheLimit() {
		// 1 MB/s: 500 KB copied in 100 ms is due at 500 ms
		this.now.set(10_100);
		assertThat(this.pacing.pauseAfter(1, 10_000, 500_000, 1_000_000)).isEqualTo(400);
		// after the pause, 500 KB more: 1 MB due at 1 s after the start
		this.now.set(10_600);
		assertThat(this.pacing.pauseAfter(1, 10_500, 500_000, 1_000_000)).isEqualTo(400);
	}

	@Test
	void slowerThanTheLimitOrUnlimitedNeverPauses() {
		this.now.set(13_000);
		assertThat(this.pacing.pauseAfter(2, 10_000, 1_000_000, 1_000_000)).isZero();
		assertThat(this.pacing.pauseAfter(3, 12_900, 50_000_000, 0)).isZero();
	}

	@Test
	void runsArePacedApart() {
		this.now.set(10_000);
		assertThat(this.pacing.pauseAfter(4, 10_000, 2_000_000, 1_000_000)).isEqualTo(2_000);
		assertThat(this.pacing.pauseAfter(5, 10_000, 1_000_000, 1_000_000)).isEqualTo(1_000);
	}

}
