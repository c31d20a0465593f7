package io.github.chmigrator.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.clickhouse.ClickHouseClient;
import io.github.chmigrator.clickhouse.ClickHouseSettings;
import io.github.chmigrator.cli.ClusterNodes.Node;
import io.github.chmigrator.config.MigrationSettings;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;
import io.github.chmigrator.core.MigratorFailures;
import io.github.chmigrator.core.Sizes;
import io.github.chmigrator.run.ClusterReport;
import io.github.chmigrator.run.NodeResult;

/**
 * Every node of a cluster in one command ({@code --cluster NAME} or {@code --hosts h1[:port],…}):
 * the same command runs on each node, as a process of its own ({@code java} with this JVM's class
 * path and options, {@code --host} and {@code --port} of the node), up to
 * {@code --node-parallelism} at once. Each node's tables are their own job instances (the job
 * identity names the server), so a node that fails or cannot be reached restarts on its own and
 * the same command resumes only what is left. A node process ends with this one: it halts when
 * its parent is gone (a {@code kill -9} of the cluster command stops every node as one would stop
 * a single run). Its output is echoed with the node's name in front; what it did comes back in a
 * {@link NodeResult} file, and the cluster report ({@link ClusterReport}) and one summary line
 * gather them. The exit code is 0 when every node succeeded, else the highest node exit code
 * (4 when a node could not be reached).
 */
public final class ClusterCommand {

	/** The flags of a cluster run, taken out of the command each node runs. */
	static final Set<String> FLAGS = Set.of("--cluster", "--hosts", "--node-parallelism");

	/** Flags each node gets from the cluster command instead of the command line. */
	private static final Set<String> PER_NODE = Set.of("--host", "--port", "--password", "--clickhouse.password");

	private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

	private final Map<String, String> variables;

	private final String mainClass;

	private final PrintStream out;

	/** Node processes running now. */
	private final Set<Process> running = ConcurrentHashMap.newKeySet();

	private final AtomicInteger signals = new AtomicInteger();

	public ClusterCommand(Map<String, String> variables, String mainClass, PrintStream out) {
		this.variables = variables;
		this.mainClass = mainClass;
		this.out = out;
	}

	/** Whether the command line asks for a cluster run. */
	public static boolean requested(String... args) {
		for (String arg : args) {
			String name = (arg.indexOf('=') > 0) ? arg.substring(0, arg.indexOf('=')) : arg;
			if (FLAGS.contains(name)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Runs the command on every node.
	 * @return the exit code
	 */
	public int run(String... args) {
		Instant start = Instant.now();
		ClusterArguments cluster = ClusterArguments.parse(args);
		Map<String, String> variables = new HashMap<>(this.variables);
		if (cluster.password() != null) {
			// to the nodes in their environment, not on a command line other users can read
			variables.put("CH_PASSWORD", cluster.password());
		}
		ConfigurableEnvironment environment = MigratorEnvironment
			.create(CommandLineFlags.parse(cluster.perNode().toArray(String[]::new)), variables);
		MigratorEnvironment.validateBeforeStart(environment);
		Binder binder = Binder.get(environment);
		ClickHouseSettings clickhouse = binder.bindOrCreate("clickhouse", ClickHouseSettings.class);
		// what every node would refuse (a missing --table, …) is refused once, before any node starts
		binder.bindOrCreate("migration", MigrationSettings.class).validate();
		if (binder.bind("migration.restart", String.class).isBound() || binder.bind("migration.list", Boolean.class).orElse(false)) {
			throw new MigratorException(ExitCodes.INVALID,
					"--restart and --list name job instances of one server; run them without --cluster or --hosts");
		}
		List<Node> nodes = (cluster.hosts() != null) ? ClusterNodes.parse(cluster.hosts(), clickhouse.port())
				: clusterNodes(cluster.cluster(), clickhouse);
		Path reports = Path.of(binder.bind("report.path", String.class).orElse("./reports"));
		String name = (cluster.cluster() != null) ? cluster.cluster() : "hosts";
		boolean dryRun = binder.bind("migration.dry-run", Boolean.class).orElse(false);
		print("Cluster %s: %d nodes (%s), %d at a time%s", name, nodes.size(),
				String.join(", ", nodes.stream().map(Node::name).toList()), cluster.parallelism(), dryRun ? ", dry run" : "");
		Runnable restore = handleTerm();
		List<ClusterReport.NodeReport> results;
		try {
			results = runNodes(nodes, cluster, variables);
		}
		finally {
			restore.run();
		}
		ClusterReport report = ClusterReport.of(name, start, Instant.now(), dryRun, results);
		Path file = reports.resolve("cluster_%s_%s.json".formatted(name.replaceAll("[^A-Za-z0-9._-]", "_"),
				FILE_TIME.format(start)));
		try {
			Files.createDirectories(reports);
			report.write(file);
		}
		catch (IOException ex) {
			print("cannot write the cluster report %s: %s", file, ex.getMessage());
			file = null;
		}
		print("%s cluster %s: %d nodes, %d succeeded, %d failed, %d unreachable; %d tables, %d partitions, %s rows, %s in %s "
				+ "(report %s)", dryRun ? "DRY RUN" : (report.exitCode() == ExitCodes.OK) ? "COMPLETED" : "FAILED", name, results.size(),
				report.totals().succeeded(), report.totals().failed(), report.totals().unreachable(),
				report.totals().tables(), report.totals().completedPartitions(), Sizes.count(report.totals().rows()),
				Sizes.bytes(report.totals().bytes()), Sizes.seconds(report.durationSeconds()), file);
		return report.exitCode();
	}

	/**
	 * SIGTERM (a scheduler stopping the command): the running nodes get it too and stop as a single
	 * run does, after the partition phase in flight; no further node starts; the report says so.
	 * A second one halts the command, and with it every node. Ctrl-C reaches the nodes' processes
	 * directly (one process group), so it is not passed on: a node would take it as a second signal.
	 * @return what puts the previous handler back
	 */
	private Runnable handleTerm() {
		try {
			Signal term = new Signal("TERM");
			SignalHandler previous = Signal.handle(term, (signal) -> {
				if (this.signals.incrementAndGet() > 1) {
					Runtime.getRuntime().halt(ExitCodes.FAILED);
				}
				print("stop requested: %d running nodes asked to stop; no further node starts", this.running.size());
				this.running.forEach((process) -> process.toHandle().destroy()); // Process.destroy() would close its output
			});
			return () -> Signal.handle(term, previous);
		}
		catch (IllegalArgumentException ex) {
			return () -> {
				// no such signal here: the nodes halt with this process
			};
		}
	}

	/** The nodes {@code system.clusters} lists for the cluster on the server the command names. */
	private static List<Node> clusterNodes(String cluster, ClickHouseSettings clickhouse) {
		try (ClickHouseClient client = new ClickHouseClient(clickhouse, 1)) {
			ClickHouseCatalog catalog = new ClickHouseCatalog(client);
			List<String> hosts = catalog.clusterHosts(cluster);
			if (hosts.isEmpty()) {
				List<String> clusters = catalog.clusters();
				throw new MigratorException(ExitCodes.INVALID, "cluster '%s' is not in system.clusters of %s; %s".formatted(
						cluster, clickhouse.endpoint(), clusters.isEmpty() ? "it lists no cluster (remote_servers)"
								: "clusters there: " + String.join(", ", clusters)));
			}
			return ClusterNodes.of(hosts, clickhouse.port());
		}
	}

	private List<ClusterReport.NodeReport> runNodes(List<Node> nodes, ClusterArguments cluster,
			Map<String, String> variables) {
		ExecutorService pool = Executors.newFixedThreadPool(cluster.parallelism());
		try {
			List<Future<ClusterReport.NodeReport>> runs = new ArrayList<>();
			for (Node node : nodes) {
				runs.add(pool.submit(() -> runNode(node, cluster, variables)));
			}
			List<ClusterReport.NodeReport> results = new ArrayList<>();
			for (int i = 0; i < runs.size(); i++) {
				try {
					results.add(runs.get(i).get());
				}
				catch (Exception ex) {
					results.add(ClusterReport.NodeReport.failed(nodes.get(i).name(), ExitCodes.FAILED,
							"the node's run could not be started: " + MigratorFailures.describe(List.of(ex)), 0));
				}
			}
			return results;
		}
		finally {
			pool.shutdownNow();
		}
	}

	private ClusterReport.NodeReport runNode(Node node, ClusterArguments cluster, Map<String, String> variables)
			throws IOException, InterruptedException {
		Instant start = Instant.now();
		if (this.signals.get() > 0) {
			return ClusterReport.NodeReport.failed(node.name(), ExitCodes.STOPPED, "not started: a stop was requested", 0);
		}
		Path result = Files.createTempFile("clickhouse-migrator-node-", ".json");
		try {
			List<String> command = new ArrayList<>(javaCommand());
			command.addAll(cluster.perNode());
			command.addAll(List.of("--host", node.host(), "--port", Integer.toString(node.port()), "--migrator.node=" + node.name(),
					"--migrator.node-result=" + result, "--migrator.parent-pid=" + ProcessHandle.current().pid()));
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
			builder.environment().putAll(variables);
			Files.delete(result);
			print("[%s] starting", node.name());
			Process process = builder.start();
			this.running.add(process);
			String last = "";
			try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				for (String line = lines.readLine(); line != null; line = lines.readLine()) {
					this.out.println("[" + node.name() + "] " + line);
					if (!line.isBlank()) {
						last = line;
					}
				}
			}
			int exit = process.waitFor();
			this.running.remove(process);
			double seconds = (Instant.now().toEpochMilli() - start.toEpochMilli()) / 1000.0;
			NodeResult reported = NodeResult.read(result).orElse(null);
			if (reported == null) {
				return ClusterReport.NodeReport.failed(node.name(), exit,
						"the node's run ended with exit code %d before it reported: %s".formatted(exit, last), seconds);
			}
			return ClusterReport.NodeReport.of(node.name(), exit, reported, seconds);
		}
		finally {
			Files.deleteIfExists(result);
		}
	}

	/** {@code java}, this JVM's options and class path, and the main class. */
	private List<String> javaCommand() {
		List<String> command = new ArrayList<>();
		command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
		for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
			if (!option.startsWith("-agentlib:jdwp")) {
				command.add(option);
			}
		}
		if (ClusterCommand.class.getClassLoader().getClass().getName().startsWith("org.springframework.boot.loader")) {
			// started as java -jar clickhouse-migrator.jar: its nested jars need Spring Boot's launcher
			command.addAll(List.of("-jar", System.getProperty("java.class.path")));
		}
		else {
			command.addAll(List.of("-cp", System.getProperty("java.class.path"), this.mainClass));
		}
		return command;
	}

	private void print(String format, Object... values) {
		this.out.println(Instant.now() + " cluster: " + format.formatted(values));
	}

	/**
	 * The command line of a cluster run, split.
	 *
	 * @param cluster {@code --cluster}, or {@code null}
	 * @param hosts {@code --hosts}, or {@code null}
	 * @param parallelism {@code --node-parallelism}
	 * @param password {@code --password}, passed to the nodes in their environment
	 * @param perNode the command each node runs, without the cluster flags, host, port and password
	 */
	record ClusterArguments(String cluster, String hosts, int parallelism, String password, List<String> perNode) {

		static ClusterArguments parse(String... args) {
			String cluster = null;
			String hosts = null;
			String parallelism = "1";
			String password = null;
			List<String> perNode = new ArrayList<>();
			for (int i = 0; i < args.length; i++) {
				String arg = args[i];
				int equals = arg.indexOf('=');
				String name = (equals > 0) ? arg.substring(0, equals) : arg;
				if (!FLAGS.contains(name) && !PER_NODE.contains(name)) {
					perNode.add(arg);
					continue;
				}
				String value = (equals > 0) ? arg.substring(equals + 1) : null;
				if (value == null) {
					if (i + 1 >= args.length) {
						throw new MigratorException(ExitCodes.INVALID, name + " needs a value");
					}
					value = args[++i];
				}
				switch (name) {
					case "--cluster" -> cluster = value;
					case "--hosts" -> hosts = value;
					case "--node-parallelism" -> parallelism = value;
					case "--password", "--clickhouse.password" -> password = value;
					default -> {
						// --host, --port: checked as the command's, and kept for --cluster (the server asked)
						perNode.add(name);
						perNode.add(value);
					}
				}
			}
			if (cluster != null && hosts != null) {
				throw new MigratorException(ExitCodes.INVALID, "use --cluster or --hosts, not both");
			}
			if (cluster != null && cluster.isBlank()) {
				throw new MigratorException(ExitCodes.INVALID, "--cluster needs a cluster name");
			}
			if (!parallelism.matches("\\d{1,4}") || Integer.parseInt(parallelism) < 1) {
				throw new MigratorException(ExitCodes.INVALID,
						"--node-parallelism must be a whole number, 1 or more (got '" + parallelism + "')");
			}
			return new ClusterArguments(cluster, hosts, Integer.parseInt(parallelism), password, List.copyOf(perNode));
		}

	}

}
