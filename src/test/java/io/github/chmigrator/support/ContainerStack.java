package io.github.chmigrator.support;

import java.nio.file.Path;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.clickhouse.ClickHouseContainer;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.utility.MountableFile;

/**
 * ClickHouse server and MinIO in containers, for machines with a Docker engine. ClickHouse gets
 * the same storage configuration as docker-compose ({@code src/compose/clickhouse/storage.xml}).
 * Images are pinned here and in {@code docker-compose.yml}.
 */
final class ContainerStack {

	static final String CLICKHOUSE_IMAGE = "clickhouse/clickhouse-server:25.8";

	static final String MINIO_IMAGE = "minio/minio:RELEASE.2025-04-22T22-12-26Z";

	private static final String PASSWORD = "Container-S3cret-Passw0rd";

	private final ClickHouseContainer clickhouse;

	private ContainerStack(ClickHouseContainer clickhouse) {
		this.clickhouse = clickhouse;
	}

	static boolean dockerAvailable() {
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	static ContainerStack start() {
		Network network = Network.newNetwork();
		MinIOContainer minio = new MinIOContainer(MINIO_IMAGE).withNetwork(network).withNetworkAliases("minio");
		minio.start();
		try {
			minio.execInContainer("sh", "-c",
					"mc alias set local http://localhost:9000 minioadmin minioadmin && mc mb --ignore-existing local/clickhouse");
		}
		catch (Exception ex) {
			throw new IllegalStateException("cannot create the MinIO bucket", ex);
		}
		ClickHouseContainer clickhouse = new ClickHouseContainer(CLICKHOUSE_IMAGE).withNetwork(network)
			.withPassword(PASSWORD)
			.withEnv("S3_ENDPOINT", "http://minio:9000/clickhouse/data/")
			.withEnv("S3_ACCESS_KEY_ID", "minioadmin")
			.withEnv("S3_SECRET_ACCESS_KEY", "minioadmin")
			.withCopyFileToContainer(MountableFile.forHostPath(Path.of("src/compose/clickhouse/storage.xml")),
					"/etc/clickhouse-server/config.d/storage.xml");
		clickhouse.start();
		return new ContainerStack(clickhouse);
	}

	String host() {
		return this.clickhouse.getHost();
	}

	int port() {
		return this.clickhouse.getMappedPort(8123);
	}

	String password() {
		return PASSWORD;
	}

}
