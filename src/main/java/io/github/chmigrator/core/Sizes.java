package io.github.chmigrator.core;

import java.util.Locale;

/** Human-readable sizes, durations and rates for log lines and the console summary. */
public final class Sizes {

	private static final String[] UNITS = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };

	private Sizes() {
	}

	/** {@code 1536} becomes {@code 1.5 KiB}. */
	public static String bytes(long bytes) {
		double value = bytes;
		int unit = 0;
		while (value >= 1024 && unit < UNITS.length - 1) {
			value /= 1024;
			unit++;
		}
		return (unit == 0) ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
	}

	/** {@code 1234567} becomes {@code 1,234,567}. */
	public static String count(long count) {
		return String.format(Locale.ROOT, "%,d", count);
	}

	/** {@code 5 s}, or {@code 100 ms} below a second. */
	public static String duration(java.time.Duration duration) {
		return (duration.toMillis() % 1000 == 0) ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
	}

	/** Seconds with one decimal: {@code 12.3 s}. */
	public static String seconds(double seconds) {
		return String.format(Locale.ROOT, "%.1f s", seconds);
	}

}
