package io.github.chmigrator.copy;

import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.clickhouse.ClickHouseException;

/**
 * Chooses the copy strategy for {@code --strategy auto|attach|insert}. {@code auto} uses
 * {@code attach} and falls back to {@code insert} only for two refusals whose cause is known and
 * for which {@code INSERT … SELECT} is exact:
 * <ul>
 * <li>the server cannot attach across storage policies (servers before cross-disk ATTACH:
 * {@code BAD_ARGUMENTS}, "disk does not belong to storage policy"): {@code insert} for the rest of
 * the run;</li>
 * <li>the partition has unapplied patch parts of a lightweight {@code UPDATE}
 * ({@code SUPPORT_IS_DISABLED}, "unapplied patch parts"): {@code insert} for that partition, whose
 * SELECT reads the rows with the patches applied.</li>
 * </ul>
 * Any other refusal (the work table's columns no longer match the source's, say) fails the
 * partition: copying with a stale column list would lose data.
 */
public class CopyStrategies {

	private static final int BAD_ARGUMENTS = 36;

	private static final int SUPPORT_IS_DISABLED = 344;

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
	 * Whether to copy the partition again with {@code insert} after {@code attach} failed: only in
	 * {@code auto} mode and only for the refusals listed on this class.
	 */
	public boolean fallBackAfter(String requested, String table, String partitionId, ClickHouseException failure) {
		if (!requested.equals("auto")) {
			return false;
		}
		String message = String.valueOf(failure.getMessage());
		if (failure.code() == BAD_ARGUMENTS && message.contains("does not belong to storage policy")) {
			if (this.attachRefused.compareAndSet(false, true)) {
				logger.warn("Table {}: this server cannot ATTACH PARTITION FROM across storage policies ({}); copying with INSERT … SELECT instead",
						table, failure.getMessage());
			}
			return true;
		}
		if (failure.code() == SUPPORT_IS_DISABLED && message.contains("patch parts")) {
			logger.info("Table {} partition {}: lightweight UPDATE patch parts are not applied yet; copying this partition with INSERT … SELECT, which reads the rows patched",
					table, partitionId);
			return true;
		}
		return false;
	}

}
