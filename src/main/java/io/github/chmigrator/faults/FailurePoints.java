package io.github.chmigrator.faults;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

/**
 * Named points in the migration where a test makes the run fail ({@code migrator.fail-at}) or
 * die like {@code kill -9} ({@code migrator.halt-at}), to prove that a rerun completes exactly.
 * A point is {@code name} or {@code name@partitionId}, several separated by commas; a name the
 * code does not reach ({@link #NAMES}) is refused, so that a test cannot silently prove nothing.
 * Unset in production: then every check is a no-op.
 */
public class FailurePoints {

	/** Every point the code reaches. */
	public static final Set<String> NAMES = Set.of("copy.afterCopy", "copy.afterDropPart", "swap.beforeCatchUpMove",
			"swap.afterCatchUpMove", "catchUp.afterDrop", "cutOver.held", "swap.beforeExchange", "swap.afterExchange", "abort.afterStage", "abort.afterMove", "move.afterMove", "move.afterBatch", "move.locked");

	private static final Logger logger = LoggerFactory.getLogger(FailurePoints.class);

	private final List<String> failAt;

	private final List<String> haltAt;

	private final Set<String> failed = ConcurrentHashMap.newKeySet();

	public FailurePoints(String failAt, String haltAt) {
		this.failAt = known(split(failAt), "migrator.fail-at");
		this.haltAt = known(split(haltAt), "migrator.halt-at");
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

	/**
	 * Whether a {@code migrator.fail-at} point asked for a simulated server error here: true the
	 * first time the point is reached (per partition), false afterwards, so that a retry succeeds.
	 */
	public boolean failOnce(String point, String partitionId) {
		return matches(this.failAt, point, partitionId) && this.failed.add(point + "@" + partitionId);
	}

	private static boolean matches(List<String> points, String point, String partitionId) {
		return points.contains(point) || (partitionId != null && points.contains(point + "@" + partitionId));
	}

	private static List<String> known(List<String> points, String property) {
		for (String point : points) {
			String name = point.contains("@") ? point.substring(0, point.indexOf('@')) : point;
			if (!NAMES.contains(name)) {
				throw new MigratorException(ExitCodes.INVALID, "unknown failure point '%s' in %s; known points: %s"
					.formatted(name, property, String.join(", ", new TreeSet<>(NAMES))));
			}
		}
		return points;
	}

	private static List<String> split(String points) {
		return (points == null || points.isBlank()) ? List.of() : Arrays.stream(points.split(",")).map(String::strip).toList();
	}

}
