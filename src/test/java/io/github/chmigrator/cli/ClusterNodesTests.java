package io.github.chmigrator.cli;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.github.chmigrator.cli.ClusterCommand.ClusterArguments;
import io.github.chmigrator.cli.ClusterNodes.Node;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.core.MigratorException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterNodesTests {

	@Test
	void hostsTakeTheirOwnPortOrTheDefaultOne() {
		assertThat(ClusterNodes.parse("ch-1,ch-2:18123, 10.0.0.3 ,[::1]:8124", 8123)).containsExactly(new Node("ch-1", 8123),
				new Node("ch-2", 18123), new Node("10.0.0.3", 8123), new Node("[::1]", 8124));
	}

	@Test
	void aMalformedHostListIsRefusedNamingTheElement() {
		for (String[] bad : new String[][] { { "a,,b", "'' is not host[:port]" }, { "a:x", "'a:x' is not host[:port]" },
				{ "a:0", "port 0 of 'a:0'" }, { "a,a:8123", "names a:8123 twice" }, { " ", "needs a comma-separated list" },
				{ "-a", "'-a' is not host[:port]" } }) {
			assertThatThrownBy(() -> ClusterNodes.parse(bad[0], 8123)).isInstanceOf(MigratorException.class)
				.hasMessageContaining(bad[1])
				.satisfies((ex) -> assertThat(((MigratorException) ex).exitCode()).isEqualTo(ExitCodes.INVALID));
		}
	}

	@Test
	void clusterHostsAreReachedOnTheGivenHttpPortOncePerHost() {
		assertThat(ClusterNodes.of(List.of("ch-1", "ch-2", "ch-1", "::1"), 8123)).containsExactly(new Node("ch-1", 8123),
				new Node("ch-2", 8123), new Node("[::1]", 8123));
	}

	@Test
	void theClusterFlagsAndTheNodesConnectionAreTakenOutOfTheCommandEachNodeRuns() {
		ClusterArguments args = ClusterArguments.parse("--cluster=main", "--db", "d", "--node-parallelism", "2", "--password",
				"secret", "--host", "ch-1", "--table=t");
		ClusterArguments property = ClusterArguments.parse("--hosts", "a", "--clickhouse.password=other", "--db", "d");

		assertThat(args.cluster()).isEqualTo("main");
		assertThat(args.parallelism()).isEqualTo(2);
		assertThat(args.password()).isEqualTo("secret");
		assertThat(args.perNode()).containsExactly("--db", "d", "--host", "ch-1", "--table=t");
		assertThat(property.password()).isEqualTo("other");
		assertThat(property.perNode()).containsExactly("--db", "d");
	}

	@Test
	void clusterAndHostsTogetherOrABadNodeParallelismAreRefused() {
		assertThatThrownBy(() -> ClusterArguments.parse("--cluster", "c", "--hosts", "a")).hasMessage(
				"use --cluster or --hosts, not both");
		assertThatThrownBy(() -> ClusterArguments.parse("--hosts", "a", "--node-parallelism", "0"))
			.hasMessageContaining("--node-parallelism must be a whole number, 1 or more (got '0')");
		assertThatThrownBy(() -> ClusterArguments.parse("--hosts")).hasMessage("--hosts needs a value");
	}

}
