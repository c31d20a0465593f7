package io.github.chmigrator.clickhouse;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.chmigrator.config.MigrationSettings;

/** The ClickHouse pool and catalog, separate from the JobRepository's DataSource. */
@Configuration(proxyBeanMethods = false)
public class ClickHouseConfiguration {

	@Bean(destroyMethod = "close")
	public ClickHouseClient clickHouseClient(ClickHouseSettings settings, MigrationSettings migration) {
		// workers in flight, plus the manager's catalog reads and the progress listener
		return new ClickHouseClient(settings, migration.parallelism() + 2);
	}

	@Bean
	public ClickHouseCatalog clickHouseCatalog(ClickHouseClient client) {
		return new ClickHouseCatalog(client);
	}

}
