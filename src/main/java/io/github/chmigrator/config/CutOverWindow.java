package io.github.chmigrator.config;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

/**
 * {@code --cut-over-window HH:MM-HH:MM}, in UTC (the migrator's and the servers' clocks may be in
 * other zones; UTC is the one every host agrees on): the cut-over starts only inside it. A window
 * whose end is before its start runs over midnight ({@code 22:00-02:00}).
 *
 * @param start the first minute of the window
 * @param end the minute it ends (excluded)
 */
public record CutOverWindow(LocalTime start, LocalTime end) {

	/**
	 * @return the window, {@code null} for none (blank)
	 * @throws MigratorException (exit 2) for text of another shape
	 */
	public static CutOverWindow parse(String text) {
		if (text == null || text.isBlank()) {
			return null;
		}
		String[] bounds = text.strip().split("-", -1);
		try {
			if (bounds.length != 2 || bounds[0].strip().length() != 5 || bounds[1].strip().length() != 5) {
				throw new DateTimeParseException("HH:MM-HH:MM", text, 0);
			}
			CutOverWindow window = new CutOverWindow(LocalTime.parse(bounds[0].strip()), LocalTime.parse(bounds[1].strip()));
			if (window.start.equals(window.end)) {
				throw new DateTimeParseException("an empty window", text, 0);
			}
			return window;
		}
		catch (DateTimeParseException ex) {
			throw new MigratorException(ExitCodes.INVALID,
					"--cut-over-window takes HH:MM-HH:MM in UTC, start and end apart, e.g. 22:00-02:00 (got '" + text + "')");
		}
	}

	/** Whether the instant lies inside the window (UTC). */
	public boolean contains(Instant instant) {
		LocalTime time = LocalTime.ofInstant(instant, ZoneOffset.UTC);
		if (this.start.isBefore(this.end)) {
			return !time.isBefore(this.start) && time.isBefore(this.end);
		}
		return !time.isBefore(this.start) || time.isBefore(this.end);
	}

	@Override
	public String toString() {
		return this.start + "-" + this.end + " UTC";
	}

}
