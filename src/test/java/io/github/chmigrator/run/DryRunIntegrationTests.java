package io.github.chmigrator.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import io.github.chmigrator.clickhouse.Sql;
import io.github.chmigrator.core.ExitCodes;
import io.github.chmigrator.support.ClickHouseStack;
import io.github.chmigrator.support.JobRepositoryFiles;
import io.github.chmigrator.support.Migrator;
import io.github.chmigrator.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --dry-run} prints and writes the plan, and changes nothing: {@code system.parts},
 * {@code system.tables} and the JobRepository are the same before and after. Bad input fails as
 * a run would.
 */
@ExtendWith(OutputCaptureExtension.class)
class DryRunIntegrationTests {

	private static TestDatabase db;

	@TempDir
	Path workDir;

	@BeforeAll
	static void createDatabase() {
		db = new TestDatabase(ClickHouseStack.get(), "it_dry");
		db.createPartitionedTable("planned", 4, 2000, "");
		db.execute("CREATE VIEW " + Sql.qualified(db.name(), "a_view") + " AS SELECT * FROM "
				+ Sql.qualified(db.name(), "planned"));
	}

	@AfterAll
	static void dropDatabase() {
		db.close();
	}

	@Test
	void theDryRunPrintsAndWritesThePlanAndChangesNothing(CapturedOutput output) throws Exception {
		Migrator migrator = new Migrator(ClickHouseStack.get(), this.workDir);
		db.createPartitionedTable("done_before", 2, 100, "");
		assertThat(migrator.runTable(db, "done_before")).as("a real run first: the JobRepository has rows").isZero();
		Snapshot before = snapshot();

		int single = migrator.runTable(db, "planned", "--dry-run", "--s3-policy", "s3_first");
		int copy = migrator.runTable(db, "planned", "--dry-run", "--s3-policy", "s3");
		int full = migrator.run("--mode", "full", "--db", db.name(), "--dry-run", "--s3-policy", "s3_first");

		assertThat(List.of(single, copy, full)).containsOnly(ExitCodes.OK);
		assertThat(snapshot()).as("system.parts, system.tables and the JobRepository").isEqualTo(before);
		assertThat(output).contains("Dry run: it_dry on ")
			.contains("it_dry.planned (MergeTree, policy 'default'): move: policy 's3_first' holds every volume of policy "
					+ "'default' with its disks: parts move to volume 's3' in place")
			.contains("4 partitions, 8 parts, 2,000 rows")
			.contains("it_dry.planned (MergeTree, policy 'default'): attach: policy 's3' cannot replace policy 'default' "
					+ "in place (it lacks volume 'default' (disks [default]))")
			.contains("it_dry.a_view (View, policy ''): skip: a view");
		JsonNode plan = lastPlan("dry-run_it_dry.planned_");
		assertThat(plan.get("targetPolicy").asString()).isIn("s3_first", "s3");
		JsonNode database = lastPlan("dry-run_it_dry_");
		JsonNode planned = table(database, "planned");
		assertThat(planned.get("action").asString()).isEqualTo("move");
		assertThat(planned.get("rows").asLong()).isEqualTo(2000);
		assertThat(planned.get("parts").asLong()).isEqualTo(8);
		assertThat(planned.get("bytesPerDisk").has("default")).isTrue();
		JsonNode copied = table(database, "done_before");
		assertThat(copied.get("action").asString()).as("on policy 's3', whose volume 'main' s3_first lacks").isEqualTo("attach");
		assertThat(copied.get("warnings").toString()).contains("already partly on S3 disks [s3]");
		assertThat(table(database, "a_view").get("action").asString()).isEqualTo("skip");
		assertThat(database.get("newInsertsVolume").asString()).isEqualTo("s3");
	}

	@Test
	void aDryRunWithABadTablePolicyOrStrategyFailsAsARunWould(CapturedOutput output) {
		Migrator migrator = new Migrator(ClickHouseStack.get(), this.workDir);

		assertThat(migrator.runTable(db, "nope", "--dry-run")).isEqualTo(ExitCodes.INVALID);
		assertThat(migrator.runTable(db, "planned", "--dry-run", "--s3-policy", "nope")).isEqualTo(ExitCodes.INVALID);
		assertThat(migrator.runTable(db, "planned", "--dry-run", "--s3-policy", "s3", "--strategy", "move"))
			.isEqualTo(ExitCodes.INVALID);
		assertThat(migrator.runTable(db, "planned", "--dry-run", "--strategy", "sideways")).isEqualTo(ExitCodes.INVALID);

		assertThat(output).contains("table it_dry.nope does not exist on ")
			.contains("storage policy 'nope' does not exist on ")
			.contains("--strategy move: storage policy 's3' cannot replace policy 'default' of it_dry.planned in place")
			.contains("sideways");
		assertThat(db.catalog().table(db.name(), "planned").orElseThrow().storagePolicy()).isEqualTo("default");
	}

	private JsonNode lastPlan(String prefix) throws Exception {
		try (Stream<Path> files = Files.list(this.workDir.resolve("reports"))) {
			Path file = files.filter((path) -> path.getFileName().toString().startsWith(prefix))
				.max(Path::compareTo)
				.orElseThrow();
			return new ObjectMapper().readTree(file.toFile());
		}
	}

	private static JsonNode table(JsonNode plan, String name) {
		for (JsonNode table : plan.get("tables")) {
			if (table.get("table").asString().equals(name)) {
				return table;
			}
		}
		throw new AssertionError("no table " + name + " in " + plan);
	}

	private Snapshot snapshot() throws Exception {
		return new Snapshot(db.client()
			.query("SELECT table, name, disk_name, active FROM system.parts WHERE database = " + Sql.literal(db.name())
					+ " ORDER BY table, name", (row) -> List.of(row.getString(1), row.getString(2), row.getString(3),
							row.getString(4))),
				db.client()
					.query("SELECT name, toString(uuid), storage_policy, toString(metadata_modification_time) FROM system.tables "
							+ "WHERE database = " + Sql.literal(db.name()) + " ORDER BY name",
							(row) -> List.of(row.getString(1), row.getString(2), row.getString(3), row.getString(4))),
				JobRepositoryFiles.rows(this.workDir, "SELECT COUNT(*) FROM BATCH_JOB_INSTANCE"),
				JobRepositoryFiles.rows(this.workDir, "SELECT STATUS, EXIT_CODE FROM BATCH_JOB_EXECUTION ORDER BY JOB_EXECUTION_ID"),
				JobRepositoryFiles.rows(this.workDir, "SELECT STEP_NAME, STATUS, VERSION FROM BATCH_STEP_EXECUTION ORDER BY STEP_EXECUTION_ID"),
				JobRepositoryFiles.rows(this.workDir, "SELECT SHORT_CONTEXT FROM BATCH_JOB_EXECUTION_CONTEXT ORDER BY JOB_EXECUTION_ID"));
	}

	private record Snapshot(List<List<String>> parts, List<List<String>> tables, List<List<String>> instances,
			List<List<String>> executions, List<List<String>> steps, List<List<String>> contexts) {
	}

}
