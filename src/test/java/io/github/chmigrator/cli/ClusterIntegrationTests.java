package io.github.chmigrator.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ChildLogs;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.ClusterStack;
import io.github.chmigrator.support.JobRepositoryFiles;
import io.github.chmigrator.support.JobRepositoryFiles.Execution;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TableFingerprint;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cluster in one command, on three engine nodes of the local stack ({@link ClusterStack}): a
 * sharded table (the same table on every node, different rows on each) migrated with
 * {@code --cluster}; a node down; a kill -9 of the cluster command in the middle.
 */
@ExtendWith(OutputCaptureExtension.class)
class ClusterIntegrationTests {

	private static final int NODES = 3;

	private static ClusterStack cluster;

	private static final List<TestDatabase> databases = new ArrayList<>();

	@TempDir
	Path workDir;

	private final List<Process> children = new ArrayList<>();

	@BeforeAll
	static void startNodes(@TempDir Path nodes) throws IOException {
		cluster = ClusterStack.start(ClickHouseStack.get(), nodes, NODES);
		for (int i = 0; i < NODES; i++) {
			databases.add(new TestDatabase(cluster.node(i), "it_cluster"));
		}
	}

	@AfterAll
	static void stopNodes() {
		databases.forEach(TestDatabase::close);
		cluster.close();
	}

	@AfterEach
	void killChildren() throws InterruptedException {
		for (Process child : this.children) {
			child.descendants().forEach(ProcessHandle::destroyForcibly);
			child.destroyForcibly();
			child.waitFor(20, TimeUnit.SECONDS);
		}
	}

	@Test
	void aShardedTableOnThreeNodesMigratesWithOneCommandAndOneReport(CapturedOutput output) throws Exception {
		String table = "sharded";
		List<TableFingerprint> before = createShards(table, 4);
		assertThat(migrator().run(with(clusterCommand(table), "--dry-run"))).as("a dry run first").isEqualTo(ExitCodes.OK);
		assertThat(lastClusterReport().get("dryRun").asBoolean()).isTrue();
		assertThat(output).contains("[" + cluster.name(2) + "] Dry run: it_cluster on " + cluster.name(2))
			.contains("DRY RUN cluster it_cluster");
		assertThat(TableFingerprint.policy(databases.get(2), table)).isEqualTo("default");

		int exit = migrator().run(clusterCommand(table));

		assertThat(exit).as("exit code; output:%n%s", output).isEqualTo(ExitCodes.OK);
		assertThat(JobRepositoryFiles.jobExecutions(this.workDir)).as("a job instance per node")
			.extracting(Execution::status)
			.containsExactly("COMPLETED", "COMPLETED", "COMPLETED");
		for (int i = 0; i < NODES; i++) {
			assertThat(TableFingerprint.policy(databases.get(i), table)).isEqualTo("s3");
			assertThat(TableFingerprint.of(databases.get(i), table)).as("node %d", i).isEqualTo(before.get(i));
		}
		assertThat(output).contains("[" + cluster.name(1) + "] ").contains("COMPLETED cluster it_cluster: 3 nodes, 3 succeeded, "
				+ "0 failed, 0 unreachable; 3 tables, 12 partitions");
		JsonNode report = lastClusterReport();
		assertThat(report.get("exitCode").asInt()).isZero();
		assertThat(report.get("nodes")).hasSize(NODES);
		for (int i = 0; i < NODES; i++) {
			JsonNode node = report.get("nodes").get(i);
			assertThat(node.get("node").asString()).isEqualTo(cluster.name(i));
			assertThat(node.get("status").asString()).isEqualTo("COMPLETED");
			assertThat(node.get("tables").get(0).get("status").asString()).isEqualTo("COMPLETED");
			assertThat(node.get("tables").get(0).get("rows").asLong()).isEqualTo(before.get(i).checksum().rows());
			assertThat(Path.of(node.get("tables").get(0).get("report").asString())).exists();
		}
		assertThat(report.get("totals").get("rows").asLong())
			.isEqualTo(before.stream().mapToLong((fingerprint) -> fingerprint.checksum().rows()).sum());
		for (int i = 0; i < NODES; i++) {
			assertThat(this.workDir.resolve("reports").resolve("clickhouse_migrator_it_cluster_" + cluster.hosts().get(i)
					+ "_" + cluster.port() + ".prom")).as("metrics of node %d", i).exists();
		}

		assertThat(migrator().run(clusterCommand(table))).as("the same command again").isEqualTo(ExitCodes.OK);
		assertThat(lastClusterReport().get("nodes").get(2).get("tables").get(0).get("status").asString())
			.isEqualTo("ALREADY_MIGRATED");
	}

	@Test
	void aNodeThatCannotBeReachedDoesNotStopTheOthersAndTheSameCommandFinishesItLater(CapturedOutput output)
			throws Exception {
		String table = "node_down";
		List<TableFingerprint> before = createShards(table, 3);
		cluster.stopNode(1);
		try {
			int exit = migrator().run(clusterCommand(table));

			assertThat(exit).as("exit code; output:%n%s", output).isEqualTo(ExitCodes.UNAVAILABLE);
			assertThat(output).contains("FAILED cluster it_cluster: 3 nodes, 2 succeeded, 0 failed, 1 unreachable");
			JsonNode report = lastClusterReport();
			assertThat(report.get("nodes").get(1).get("status").asString()).isEqualTo("UNREACHABLE");
			assertThat(report.get("nodes").get(1).get("message").asString()).contains(cluster.name(1));
			assertThat(TableFingerprint.policy(databases.get(0), table)).isEqualTo("s3");
			assertThat(TableFingerprint.policy(databases.get(2), table)).isEqualTo("s3");
		}
		finally {
			cluster.startNode(1);
		}
		assertThat(TableFingerprint.policy(databases.get(1), table)).isEqualTo("default");

		assertThat(migrator().run(clusterCommand(table))).as("the same command, the node back").isEqualTo(ExitCodes.OK);

		JsonNode again = lastClusterReport();
		assertThat(again.get("nodes").get(0).get("tables").get(0).get("status").asString()).isEqualTo("ALREADY_MIGRATED");
		assertThat(again.get("nodes").get(1).get("tables").get(0).get("status").asString()).isEqualTo("COMPLETED");
		assertMigratedExactly(table, before);
	}

	@Test
	void aClusterCommandKilledMidRunIsFinishedExactlyOnEveryNodeByTheSameCommand() throws Exception {
		String table = "killed";
		List<TableFingerprint> before = createShards(table, 4);
		Path log = this.workDir.resolve("cluster.log");
		Process command = startSlowly(table, log, 1);
		List<ProcessHandle> nodes = command.descendants().toList();

		command.destroyForcibly();
		command.waitFor(20, TimeUnit.SECONDS);
		for (ProcessHandle node : nodes) {
			assertThat(node.onExit().get(20, TimeUnit.SECONDS).isAlive()).as("a node's run ends with the command").isFalse();
		}
		assertThat(TableFingerprint.policy(databases.get(2), table)).as("node 2 not reached").isEqualTo("default");

		int exit = migrator().run(clusterCommand(table));

		assertThat(exit).isEqualTo(ExitCodes.OK);
		assertMigratedExactly(table, before);
	}

	@Test
	void sigtermStopsTheRunningNodeAfterItsPartitionStartsNoOtherAndTheSameCommandResumes() throws Exception {
		String table = "stopped";
		List<TableFingerprint> before = createShards(table, 4);
		Path log = this.workDir.resolve("cluster.log");
		Process command = startSlowly(table, log, 0);

		command.destroy();

		assertThat(command.waitFor(ChildLogs.CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(command.exitValue()).as("its log:%n%s", ChildLogs.read(log)).isEqualTo(ExitCodes.STOPPED);
		JsonNode report = lastClusterReport();
		assertThat(report.get("nodes").get(0).get("tables")).as("node 0; the log:%n%s", ChildLogs.read(log)).hasSize(1);
		assertThat(report.get("nodes").get(0).get("tables").get(0).get("status").asString()).isEqualTo("STOPPED");
		assertThat(report.get("nodes").get(1).get("message").asString()).isEqualTo("not started: a stop was requested");
		assertThat(TableFingerprint.policy(databases.get(1), table)).isEqualTo("default");

		assertThat(migrator().run(clusterCommand(table))).isEqualTo(ExitCodes.OK);
		assertMigratedExactly(table, before);
	}

	@Test
	void badClusterInputIsOneLineAndExitTwoBeforeAnythingStarts(CapturedOutput output) {
		assertThat(migrator().run("--cluster", ClusterStack.CLUSTER, "--hosts", "a,b", "--db", "d", "--table", "t"))
			.isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("clickhouse-migrator: use --cluster or --hosts, not both");
		assertThat(migrator().run("--hosts", "a,,b", "--db", "d", "--table", "t")).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("clickhouse-migrator: --hosts: '' is not host[:port] (in 'a,,b')");
		assertThat(migrator().run("--hosts", "a:99999", "--db", "d", "--table", "t")).isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("clickhouse-migrator: --hosts: port 99999 of 'a:99999' is not between 1 and 65535");
		assertThat(migrator().run("--cluster", "nope", "--host", cluster.hosts().get(0), "--port",
				Integer.toString(cluster.port()), "--db", "d", "--table", "t"))
			.isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("cluster 'nope' is not in system.clusters of " + cluster.name(0))
			.contains(ClusterStack.CLUSTER);
		assertThat(migrator().run("--hosts", cluster.hosts().get(0) + ":" + cluster.port(), "--db", "d"))
			.as("what every node would refuse").isEqualTo(ExitCodes.INVALID);
		assertThat(output).contains("clickhouse-migrator: --mode single needs --table").doesNotContain("] starting");
		assertThat(output).doesNotContain("Exception").doesNotContain(ClickHouseStack.LOCAL_PASSWORD);
	}

	/**
	 * Starts the cluster command in a JVM of its own, a second per partition, and waits until node
	 * {@code node} is copying its second partition.
	 */
	private Process startSlowly(String table, Path log, int node) throws Exception {
		Process command = migrator().separateJvm(log, with(clusterCommand(table), "--insert-interval", "1", "--batch-partitions", "1"))
			.start();
		this.children.add(command);
		awaitLine(command, log, "[" + cluster.name(node) + "] ", "partition 1 [2/4]");
		return command;
	}

	private static void assertMigratedExactly(String table, List<TableFingerprint> before) {
		for (int i = 0; i < NODES; i++) {
			assertThat(TableFingerprint.policy(databases.get(i), table)).as("node %d", i).isEqualTo("s3");
			assertThat(TableFingerprint.of(databases.get(i), table)).as("node %d exact", i).isEqualTo(before.get(i));
		}
	}

	/** Waits until the command's log has a line holding both texts. */
	private static void awaitLine(Process command, Path log, String first, String second) throws Exception {
		long deadline = System.nanoTime() + ChildLogs.CHILD_TIMEOUT.toNanos();
		while (ChildLogs.read(log).lines().noneMatch((line) -> line.contains(first) && line.contains(second))) {
			assertThat(command.isAlive()).as("the command runs; its log:%n%s", ChildLogs.read(log)).isTrue();
			assertThat(System.nanoTime()).as("a line with %s and %s; the log:%n%s", first, second, ChildLogs.read(log))
				.isLessThan(deadline);
			Thread.sleep(100);
		}
	}

	private String[] clusterCommand(String table) {
		return new String[] { "--cluster", ClusterStack.CLUSTER, "--host", cluster.hosts().get(0), "--port",
				Integer.toString(cluster.port()), "--db", "it_cluster", "--table", table, "--s3-policy", "s3" };
	}

	/** The same table on every node, with different rows on each; merges stopped. */
	private static List<TableFingerprint> createShards(String table, int partitions) {
		List<TableFingerprint> fingerprints = new ArrayList<>();
		for (int i = 0; i < NODES; i++) {
			TestDatabase db = databases.get(i);
			String qualified = Sql.qualified(db.name(), table);
			db.execute("CREATE TABLE " + qualified + " (p UInt8, id UInt64, s String) ENGINE = MergeTree PARTITION BY p ORDER BY id",
					"SYSTEM STOP MERGES " + qualified, "INSERT INTO " + qualified + " SELECT number % " + partitions
							+ ", number, toString(number) FROM numbers(" + (i * 10_000) + ", " + (1000 + 100 * i) + ")");
			fingerprints.add(TableFingerprint.of(db, table));
		}
		return fingerprints;
	}

	private JsonNode lastClusterReport() throws IOException {
		try (Stream<Path> files = Files.list(this.workDir.resolve("reports"))) {
			Path last = files.filter((file) -> file.getFileName().toString().startsWith("cluster_it_cluster_"))
				.max((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
				.orElseThrow();
			return JsonMapper.builder().build().readTree(last.toFile());
		}
	}

	private Migrator migrator() {
		return new Migrator(ClickHouseStack.get(), this.workDir);
	}

	private static String[] with(String[] command, String... more) {
		List<String> all = new ArrayList<>(List.of(command));
		all.addAll(List.of(more));
		return all.toArray(String[]::new);
	}

}
