package io.github.chmigrator.copy;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.Reports;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --max-bytes-per-second} paces the partitions so that the table's average copy rate stays
 * under the limit, and the report says the rate achieved. The pacing makes the bound hold by
 * construction (the report's rate is over the whole run, longer than the copy), so asserting it is
 * not asserting a timing.
 */
class ThrottleIntegrationTests {

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_throttle");
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@Test
	void theAverageCopyRateStaysUnderTheLimitAndIsReported() throws Exception {
		String table = "paced";
		db.createPartitionedTable(table, 4, 2_000, "");
		TableFingerprint before = TableFingerprint.of(db, table);
		long limit = 5_000;

		int exit = new Migrator(ClickHouseStack.get(), this.workDir).runTable(db, table, "--max-bytes-per-second",
				Long.toString(limit));

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertThat(TableFingerprint.of(db, table)).isEqualTo(before);
		JsonNode totals = Reports.lastTableReport(this.workDir, db.name(), table).path("totals");
		assertThat(totals.path("bytes").asLong()).as("more than a second's worth at the limit").isGreaterThan(limit);
		assertThat(totals.path("bytesPerSecond").asLong()).isPositive().isLessThanOrEqualTo(limit);
	}

}
