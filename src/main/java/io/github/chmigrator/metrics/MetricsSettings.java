package io.github.chmigrator.metrics;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

/**
 * Where the run metrics (design §10.1) go besides the textfile in {@code report.path}
 * ({@code metrics.*}).
 *
 * @param pushgateway the Prometheus Pushgateway, not used unless its URL is set
 */
@ConfigurationProperties("metrics")
public record MetricsSettings(@DefaultValue Pushgateway pushgateway) {

	/**
	 * The Pushgateway the metrics of every run are pushed to.
	 *
	 * @param url {@code http(s)://host:port} (optionally {@code user:password@} for basic auth and
	 * a path prefix); {@code null} to push nothing
	 * @param timeout connect and read timeout of the push
	 */
	public record Pushgateway(URI url, @DefaultValue("10s") Duration timeout) {

		/**
		 * Rejects a URL no push could use, with exit code 2 before anything starts; the message
		 * never repeats the URL, which may hold a password.
		 */
		public Pushgateway {
			if (url != null && (!isHttp(url.getScheme()) || url.getHost() == null)) {
				throw new MigratorException(ExitCodes.INVALID,
						"metrics.pushgateway.url must be http://host:port or https://host:port");
			}
		}

		/** Whether a URL is set. */
		public boolean enabled() {
			return this.url != null;
		}

		private static boolean isHttp(String scheme) {
			return "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
		}

	}

}
