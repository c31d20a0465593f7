package io.github.chmigrator.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Several ClickHouse nodes for the cluster tests: one local-stack engine process per node, each
 * on its own loopback address ({@code 127.0.0.11}, {@code 127.0.0.12}, …) and the same HTTP port,
 * all on the S3Proxy of the main stack ({@link ClickHouseStack}), each with its own key prefix. Their
 * configuration is the shared storage configuration plus a {@code remote_servers} section naming
 * the cluster {@value #CLUSTER} of every node (one shard each, native port 9000, which nothing
 * opens: the migrator reaches each node on the HTTP port). A node can be stopped and started
 * again on the same data. Stopped with the test JVM.
 */
public final class ClusterStack implements AutoCloseable {

	public static final String CLUSTER = "it_cluster";

	private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

	private final ClickHouseStack main;

	private final Path directory;

	private final int port;

	private final List<String> hosts = new ArrayList<>();

	private final List<Process> processes = new ArrayList<>();

	private final Path config;

	private final String s3Endpoint;

	private ClusterStack(ClickHouseStack main, Path directory, int nodes) throws IOException {
		this.main = main;
		this.directory = directory;
		this.s3Endpoint = main.s3Endpoint();
		for (int i = 0; i < nodes; i++) {
			this.hosts.add("127.0.0." + (11 + i));
			this.processes.add(null);
		}
		this.port = freePortOnEvery(this.hosts);
		this.config = directory.resolve("cluster.xml");
		Files.createDirectories(directory);
		Files.writeString(this.config, config(this.hosts), StandardCharsets.UTF_8);
	}

	/** Starts the nodes, one after the other. */
	public static ClusterStack start(ClickHouseStack main, Path directory, int nodes) throws IOException {
		ClusterStack cluster = new ClusterStack(main, directory, nodes);
		Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "cluster-stop"));
		for (int i = 0; i < nodes; i++) {
			cluster.startNode(i);
		}
		return cluster;
	}

	/** The HTTP port of every node. */
	public int port() {
		return this.port;
	}

	public List<String> hosts() {
		return List.copyOf(this.hosts);
	}

	/** Node {@code i}, to create tables and read them. */
	public ClickHouseStack node(int i) {
		return this.main.node(this.hosts.get(i), this.port);
	}

	/** {@code host:port} of node {@code i}, as reports and logs name it. */
	public String name(int i) {
		return this.hosts.get(i) + ":" + this.port;
	}

	public void startNode(int i) throws IOException {
		Path state = this.directory.resolve("node" + i);
		Files.createDirectories(state);
		Path log = state.resolve("localstack.log");
		Process process = new ProcessBuilder("python3", System.getProperty("localstack.script"), "--state-dir",
				state.toString(), "--config", this.config.toString(), "--s3-endpoint", this.s3Endpoint, "--s3-prefix",
				"node" + i + "/", "--http-host", this.hosts.get(i), "--http-port", Integer.toString(this.port), "--password",
				ClickHouseStack.LOCAL_PASSWORD, "--parent-pid", Long.toString(ProcessHandle.current().pid()))
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
			.start();
		this.processes.set(i, process);
		Path stackJson = state.resolve("stack.json");
		Instant deadline = Instant.now().plus(START_TIMEOUT);
		while (!Files.exists(stackJson)) {
			if (!process.isAlive() || Instant.now().isAfter(deadline)) {
				throw new IllegalStateException("cluster node " + name(i) + " did not start; see " + log);
			}
			sleep(200);
		}
	}

	/** Stops node {@code i} (its data stays). */
	public void stopNode(int i) {
		Process process = this.processes.get(i);
		if (process == null) {
			return;
		}
		process.destroy();
		try {
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				process.waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.processes.set(i, null);
	}

	@Override
	public void close() {
		for (int i = 0; i < this.processes.size(); i++) {
			stopNode(i);
		}
	}

	private static String config(List<String> hosts) throws IOException {
		String storage = Files.readString(Path.of(System.getProperty("localstack.script")).getParent().resolveSibling("compose")
			.resolve("clickhouse").resolve("storage.xml"), StandardCharsets.UTF_8);
		StringBuilder servers = new StringBuilder("    <remote_servers>\n        <" + CLUSTER + ">\n");
		for (String host : hosts) {
			servers.append("            <shard><replica><host>").append(host).append("</host><port>9000</port></replica></shard>\n");
		}
		servers.append("        </" + CLUSTER + ">\n    </remote_servers>\n");
		int end = storage.lastIndexOf("</clickhouse>");
		return storage.substring(0, end) + servers + storage.substring(end);
	}

	private static int freePortOnEvery(List<String> hosts) throws IOException {
		for (int attempt = 0; attempt < 20; attempt++) {
			int port;
			try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(hosts.get(0)))) {
				port = socket.getLocalPort();
			}
			if (hosts.stream().allMatch((host) -> free(host, port))) {
				return port;
			}
		}
		throw new IllegalStateException("no port free on every one of " + hosts);
	}

	private static boolean free(String host, int port) {
		try (ServerSocket socket = new ServerSocket()) {
			socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
