package io.github.chmigrator.support;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ClickHouse server integration tests run against, found once per test JVM, in this order:
 * <ol>
 * <li>{@code CLICKHOUSE_URL} ({@code http://host:port}, with {@code CLICKHOUSE_USER} /
 * {@code CLICKHOUSE_PASSWORD}): an existing server that has an {@code s3} storage policy;</li>
 * <li>the local stack ({@code src/localstack}): the ClickHouse engine from the npm registry's
 * libchdb behind a small HTTP front, S3Proxy for S3, both started here and stopped with the JVM;</li>
 * <li>Testcontainers ({@link ContainerStack}) where a Docker engine answers.</li>
 * </ol>
 * When none can be had the tests fail and say what is missing: they never skip.
 */
public final class ClickHouseStack {

	/** The password the local stack requires, so that tests prove it never leaks. */
	public static final String LOCAL_PASSWORD = "Stack-S3cret-Passw0rd";

	private static final Duration LOCAL_START_TIMEOUT = Duration.ofMinutes(10);

	private static final ClickHouseStack INSTANCE = start();

	private final String kind;

	private final String host;

	private final int port;

	private final String user;

	private final String password;

	private final Map<String, String> driverProperties;

	private ClickHouseStack(String kind, String host, int port, String user, String password,
			Map<String, String> driverProperties) {
		this.kind = kind;
		this.host = host;
		this.port = port;
		this.user = user;
		this.password = password;
		this.driverProperties = driverProperties;
	}

	/** Another server reached like this stack (same user, password and driver properties), e.g. a cluster node. */
	public ClickHouseStack node(String host, int port) {
		return new ClickHouseStack("node " + host + ":" + port, host, port, this.user, this.password, this.driverProperties);
	}

	/**
	 * The S3 endpoint of the local stack's S3Proxy ({@code http://127.0.0.1:port}), for more nodes
	 * sharing it ({@link ClusterStack}).
	 */
	public String s3Endpoint() throws IOException {
		Path stackJson = Path.of(requiredProperty("localstack.state-dir")).resolve("stack.json");
		Matcher matcher = Pattern.compile("\"s3_port\"\\s*:\\s*(\\d+)").matcher(Files.readString(stackJson, StandardCharsets.UTF_8));
		if (!matcher.find()) {
			throw new IllegalStateException("no s3_port in " + stackJson + ": the tests run against " + this.kind);
		}
		return "http://127.0.0.1:" + matcher.group(1);
	}

	/** The stack, started on first use. */
	public static ClickHouseStack get() {
		return INSTANCE;
	}

	public String kind() {
		return this.kind;
	}

	public String host() {
		return this.host;
	}

	public int port() {
		return this.port;
	}

	public String user() {
		return this.user;
	}

	public String password() {
		return this.password;
	}

	/** Driver properties this server needs, e.g. {@code compress=false} for the local stack. */
	public Map<String, String> driverProperties() {
		return this.driverProperties;
	}

	private static ClickHouseStack start() {
		List<String> tried = new ArrayList<>();
		String url = System.getenv("CLICKHOUSE_URL");
		if (url != null && !url.isBlank()) {
			URI uri = URI.create(url);
			return new ClickHouseStack("CLICKHOUSE_URL", uri.getHost(), uri.getPort(),
					System.getenv().getOrDefault("CLICKHOUSE_USER", "default"),
					System.getenv().getOrDefault("CLICKHOUSE_PASSWORD", ""), Map.of());
		}
		tried.add("CLICKHOUSE_URL is not set");
		try {
			return startLocal();
		}
		catch (IOException | RuntimeException ex) {
			tried.add("local stack: " + ex.getMessage());
		}
		if (ContainerStack.dockerAvailable()) {
			ContainerStack containers = ContainerStack.start();
			return new ClickHouseStack("testcontainers", containers.host(), containers.port(), "default",
					containers.password(), Map.of());
		}
		tried.add("Testcontainers: no Docker engine answers");
		throw new IllegalStateException("no ClickHouse for the integration tests: " + String.join("; ", tried));
	}

	private static ClickHouseStack startLocal() throws IOException {
		Path script = Path.of(requiredProperty("localstack.script"));
		Path jar = Path.of(requiredProperty("localstack.s3proxy-jar"));
		Path stateDir = Path.of(requiredProperty("localstack.state-dir"));
		Files.createDirectories(stateDir);
		Path log = stateDir.resolve("localstack.log");
		Process process = new ProcessBuilder("python3", script.toString(), "--state-dir", stateDir.toString(),
				"--s3proxy-jar", jar.toString(), "--password", LOCAL_PASSWORD, "--parent-pid",
				Long.toString(ProcessHandle.current().pid()))
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
		Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(process), "localstack-stop"));
		int port = awaitReady(process, stateDir.resolve("stack.json"), log);
		return new ClickHouseStack("local stack (libchdb + S3Proxy)", "127.0.0.1", port, "default", LOCAL_PASSWORD,
				Map.of("compress", "false"));
	}

	private static int awaitReady(Process process, Path stackJson, Path log) throws IOException {
		Instant deadline = Instant.now().plus(LOCAL_START_TIMEOUT);
		Pattern httpPort = Pattern.compile("\"http_port\"\\s*:\\s*(\\d+)");
		while (Instant.now().isBefore(deadline)) {
			if (Files.exists(stackJson)) {
				Matcher matcher = httpPort.matcher(Files.readString(stackJson, StandardCharsets.UTF_8));
				if (matcher.find()) {
					return Integer.parseInt(matcher.group(1));
				}
			}
			if (!process.isAlive()) {
				throw new IllegalStateException("it exited with code " + process.exitValue() + "; its log "
						+ log + " ends with: " + tail(log));
			}
			sleep(200);
		}
		stop(process);
		throw new IllegalStateException("not ready after " + LOCAL_START_TIMEOUT + "; see " + log);
	}

	private static void stop(Process process) {
		process.destroy();
		try {
			if (!process.waitFor(java.util.concurrent.TimeUnit.SECONDS.toMillis(20), java.util.concurrent.TimeUnit.MILLISECONDS)) {
				process.destroyForcibly();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static String tail(Path log) throws IOException {
		List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
		return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
	}

	private static String requiredProperty(String name) {
		String value = System.getProperty(name);
		if (value == null) {
			throw new IllegalStateException("system property " + name + " is not set (run the tests through Maven)");
		}
		return value;
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
