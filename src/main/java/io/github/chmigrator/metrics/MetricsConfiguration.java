package io.github.chmigrator.metrics;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.chmigrator.config.ReportSettings;

/** The run metrics (design §10.1): a {@link io.github.chmigrator.run.RunListener} told about every run. */
@Configuration(proxyBeanMethods = false)
public class MetricsConfiguration {

	@Bean
	public MigrationMetrics migrationMetrics(ReportSettings reports, MetricsSettings settings,
			@Value("${migrator.node:}") String node) {
		return new MigrationMetrics(reports.path(), settings.pushgateway(), node);
	}

}
