package io.github.chmigrator.faults;

import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named points in the migration where a test makes the run fail ({@code migrator.fail-at}) or
 * die like {@code kill -9} ({@code migrator.halt-at}), to prove that a rerun completes exactly.
 * A point is {@code name} or {@code name@partitionId}, several separated by commas. Unset in
 * production: then every check is a no-op.
 */
public class FailurePoints {

	private static final Logger logger = LoggerFactory.getLogger(FailurePoints.class);

	private final List<String> failAt;

	private final List<String> haltAt;

	public FailurePoints(String failAt, String haltAt) {
		this.failAt = split(failAt);
		this.haltAt = split(haltAt);
	}

	/** Fails or halts when the point (optionally for this partition) was asked for. */
	public void reached(String point, String partitionId) {
		if (matches(this.haltAt, point, partitionId)) {
			logger.warn("Halting the JVM at failure point {} (partition {})", point, partitionId);
			Runtime.getRuntime().halt(137);
		}
		if (matches(this.failAt, point, partitionId)) {
			throw new IllegalStateException("simulated failure at " + point + ((partitionId != null) ? "@" + partitionId : ""));
		}
	}

	private static boolean matches(List<String> points, String point, String partitionId) {
		return points.contains(point) || (partitionId != null && points.contains(point + "@" + partitionId));
	}

	private static List<String> split(String points) {
		return (points == null || points.isBlank()) ? List.of() : Arrays.stream(points.split(",")).map(String::strip).toList();
	}

}
