package io.github.chmigrator;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.chmigrator.clickhouse.ClickHouseException;
import io.github.chmigrator.core.ExitCodes;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A failure before any job ran is one line naming the component that failed: a ClickHouse
 * statement (whose driver reports through {@link SQLException} too) is not the JobRepository.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureTests {

	@Test
	void clickHouseFailureIsNotBlamedOnTheJobRepository(CapturedOutput output) {
		RuntimeException failure = new IllegalStateException("runner failed", new ClickHouseException(0,
				"Invalid LZ4 magic byte: '114'", "SELECT hostName()", new SQLException("Invalid LZ4 magic byte: '114'")));

		int exit = ClickhouseMigratorApplication.startupFailure(failure);

		assertThat(exit).isEqualTo(ExitCodes.UNAVAILABLE);
		assertThat(output.getErr().strip())
			.isEqualTo("clickhouse-migrator: ClickHouse failed: Invalid LZ4 magic byte: '114' [SELECT hostName()]");
	}

	@Test
	void jobRepositoryFailureIsNamed(CapturedOutput output) {
		RuntimeException failure = new IllegalStateException("context failed",
				new SQLException("Connection to localhost:5432 refused"));

		int exit = ClickhouseMigratorApplication.startupFailure(failure);

		assertThat(exit).isEqualTo(ExitCodes.UNAVAILABLE);
		assertThat(output.getErr().strip()).isEqualTo(
				"clickhouse-migrator: cannot open the JobRepository (spring.datasource.*): Connection to localhost:5432 refused");
	}

}
