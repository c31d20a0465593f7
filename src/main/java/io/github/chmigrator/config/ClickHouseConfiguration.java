package io.github.chmigrator.config;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.ClickHouseClient;
import io.github.chmigrator.clickhouse.ClickHouseSettings;

/** The ClickHouse pool and catalog, separate from the JobRepository's DataSource. */
@Configuration(proxyBeanMethods = false)
public class ClickHouseConfiguration {

	@Bean(destroyMethod = "close")
	public ClickHouseClient clickHouseClient(ClickHouseSettings settings, MigrationSettings migration) {
		// partitions in flight, plus (in full mode) as many tables' catalog reads and swaps, plus one
		return new ClickHouseClient(settings, 2 * migration.parallelism() + 1);
	}

	@Bean
	public ClickHouseCatalog clickHouseCatalog(ClickHouseClient client) {
		return new ClickHouseCatalog(client);
	}

}
