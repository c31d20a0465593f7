package io.github.chmigrator.clickhouse;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How to reach ClickHouse (design §7: {@code clickhouse.*}, {@code CH_*}, {@code --host} …).
 *
 * @param host server host
 * @param port HTTP port
 * @param user user name
 * @param password password; never logged, reported or stored in a job parameter
 * @param properties extra clickhouse-jdbc driver properties, e.g. {@code compress=false}
 * @param connectTimeout how long to wait for one connection attempt
 * @param retries how often a failed network call is retried (design §11.2: 3)
 * @param retryDelay the pause between retries (design §11.2: 5 s)
 */
@ConfigurationProperties("clickhouse")
public record ClickHouseSettings(@DefaultValue("127.0.0.1") String host, @DefaultValue("8123") int port,
		@DefaultValue("default") String user, @DefaultValue("") String password, Map<String, String> properties,
		@DefaultValue("10s") Duration connectTimeout, @DefaultValue("3") int retries,
		@DefaultValue("5s") Duration retryDelay) {

	public ClickHouseSettings {
		properties = (properties != null) ? Map.copyOf(properties) : Map.of();
	}

	/** {@code host:port}, the server's identity in messages and job parameters. */
	public String endpoint() {
		return host + ":" + port;
	}

	@Override
	public String toString() {
		return "ClickHouseSettings[endpoint=" + endpoint() + ", user=" + user + ", password=" + (password.isEmpty() ? "" : "******")
				+ ", properties=" + properties + "]";
	}

}
