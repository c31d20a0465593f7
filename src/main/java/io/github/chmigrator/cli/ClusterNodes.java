package io.github.chmigrator.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

/**
 * The nodes of a cluster run: from {@code --hosts h1[:port],h2[:port],…} or from the hosts
 * {@code system.clusters} lists for {@code --cluster NAME}. A node is reached on its HTTP port:
 * the one given with it in {@code --hosts}, else {@code --port} (or the configured port), which is
 * also the port of every node of a {@code --cluster}: {@code system.clusters} lists native ports.
 */
public final class ClusterNodes {

	private static final Pattern HOST = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:(\\d{1,5}))?");

	private ClusterNodes() {
	}

	/**
	 * One node.
	 *
	 * @param host its host name or address
	 * @param port its HTTP port
	 */
	public record Node(String host, int port) {

		/** {@code host:port}, how reports, logs and metrics name the node. */
		public String name() {
			return this.host + ":" + this.port;
		}

	}

	/**
	 * Parses {@code --hosts}.
	 * @param hosts the flag's value
	 * @param defaultPort the HTTP port of a host given without one
	 * @throws MigratorException (exit 2) naming the bad element
	 */
	public static List<Node> parse(String hosts, int defaultPort) {
		if (hosts == null || hosts.isBlank()) {
			throw invalid("--hosts needs a comma-separated list of host[:port]");
		}
		Set<Node> nodes = new LinkedHashSet<>();
		for (String element : hosts.split(",", -1)) {
			String host = element.strip();
			Matcher matcher = HOST.matcher(host);
			if (!matcher.matches()) {
				throw invalid("--hosts: '%s' is not host[:port] (in '%s')".formatted(host, hosts));
			}
			int port = defaultPort;
			if (matcher.group(4) != null) {
				port = Integer.parseInt(matcher.group(4));
				if (port < 1 || port > 65535) {
					throw invalid("--hosts: port %d of '%s' is not between 1 and 65535".formatted(port, host));
				}
			}
			Node node = new Node(matcher.group(1), port);
			if (!nodes.add(node)) {
				throw invalid("--hosts names %s twice".formatted(node.name()));
			}
		}
		return List.copyOf(nodes);
	}

	/** The nodes of a cluster, from {@code system.clusters}'s host names, each on the given HTTP port. */
	public static List<Node> of(List<String> hosts, int port) {
		List<Node> nodes = new ArrayList<>();
		for (String host : new LinkedHashSet<>(hosts)) {
			nodes.add(new Node(host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host, port));
		}
		return List.copyOf(nodes);
	}

	private static MigratorException invalid(String message) {
		return new MigratorException(ExitCodes.INVALID, message);
	}

}
