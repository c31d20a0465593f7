package io.github.chmigrator.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

/**
 * Load thresholds as gh-ost and pt-online-schema-change take them: {@code METRIC=N[,METRIC=N…]},
 * each metric a name of {@code system.metrics} or {@code system.asynchronous_metrics} (a value) or
 * of {@code system.events} (a rate per second).
 *
 * @param limits the threshold of each metric, in the order given
 */
public record LoadLimits(Map<String, Double> limits) {

	public static final LoadLimits NONE = new LoadLimits(Map.of());

	/**
	 * @param flag the flag the text came from, for the message
	 * @throws MigratorException (exit 2) naming the flag, for text of another shape
	 */
	public static LoadLimits parse(String text, String flag) {
		if (text == null || text.isBlank()) {
			return NONE;
		}
		Map<String, Double> limits = new LinkedHashMap<>();
		for (String item : text.split(",", -1)) {
			String[] pair = item.split("=", -1);
			if (pair.length != 2 || !pair[0].strip().matches("[A-Za-z][A-Za-z0-9_]*")) {
				throw invalid(flag, text);
			}
			try {
				double limit = Double.parseDouble(pair[1].strip());
				if (limit < 0 || Double.isNaN(limit) || Double.isInfinite(limit)) {
					throw invalid(flag, text);
				}
				limits.put(pair[0].strip(), limit);
			}
			catch (NumberFormatException ex) {
				throw invalid(flag, text);
			}
		}
		return new LoadLimits(Collections.unmodifiableMap(limits));
	}

	public boolean isEmpty() {
		return this.limits.isEmpty();
	}

	/** The first metric above its threshold, as {@code NAME=value > limit}; {@code null} when none is. */
	public String exceeded(Map<String, Double> values) {
		for (Map.Entry<String, Double> limit : this.limits.entrySet()) {
			Double value = values.get(limit.getKey());
			if (value != null && value > limit.getValue()) {
				return "%s=%s > %s".formatted(limit.getKey(), number(value), number(limit.getValue()));
			}
		}
		return null;
	}

	private static String number(double value) {
		return (value == Math.rint(value)) ? Long.toString((long) value) : Double.toString(value);
	}

	private static MigratorException invalid(String flag, String text) {
		return new MigratorException(ExitCodes.INVALID, ("%s takes METRIC=N[,METRIC=N…] with names of system.metrics, "
				+ "system.asynchronous_metrics or system.events and numbers of 0 or more (got '%s')").formatted(flag, text));
	}

}
