package io.github.chmigrator.copy;

import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.clickhouse.ClickHouseException;

/**
 * Chooses the copy strategy for {@code --strategy auto|attach|insert}. {@code auto} uses
 * {@code attach} until the server refuses it once (older servers cannot attach across storage
 * policies), then {@code insert} for the rest of the run.
 */
public class CopyStrategies {

	private static final Logger logger = LoggerFactory.getLogger(CopyStrategies.class);

	private final CopyStrategy attach;

	private final CopyStrategy insert;

	private final AtomicBoolean attachRefused = new AtomicBoolean();

	public CopyStrategies(CopyStrategy attach, CopyStrategy insert) {
		this.attach = attach;
		this.insert = insert;
	}

	/** The strategy to try first for the requested one. */
	public CopyStrategy select(String requested) {
		return switch (requested) {
			case "insert" -> this.insert;
			case "attach" -> this.attach;
			default -> this.attachRefused.get() ? this.insert : this.attach;
		};
	}

	/** The exact strategy, used when a partition keeps changing under {@code attach}. */
	public CopyStrategy insert() {
		return this.insert;
	}

	/**
	 * Whether to go on with {@code insert} after {@code attach} failed: only in {@code auto} mode
	 * and only for a refusal by the server (not a network error).
	 */
	public boolean fallBackAfter(String requested, String table, ClickHouseException failure) {
		if (!requested.equals("auto")) {
			return false;
		}
		if (this.attachRefused.compareAndSet(false, true)) {
			logger.warn("Table {}: the server refused ATTACH PARTITION FROM ({}); copying with INSERT … SELECT instead",
					table, failure.getMessage());
		}
		return true;
	}

}
