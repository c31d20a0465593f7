package io.github.chmigrator;

import java.util.List;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The packages under {@code src/main/java} depend one way, from the command line down to the
 * ClickHouse access layer (docs/development.md): no cycles, no layer reaching up, and no phase
 * of the migration importing another.
 */
class ArchitectureTests {

	private static final String ROOT = "io.github.chmigrator";

	/** One package per phase of the job, plus the job's report listener; none imports another. */
	private static final List<String> PHASES = List.of("policy", "schema", "plan", "copy", "validate", "swap",
			"move", "report");

	private static JavaClasses classes;

	@BeforeAll
	static void importMainClasses() {
		classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
			.importPackages(ROOT);
	}

	@Test
	void packagesAreFreeOfCycles() {
		slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
	}

	@Test
	void layersOnlyDependDownwards() {
		layeredArchitecture().consideringOnlyDependenciesInLayers()
			.layer("Application").definedBy(ROOT)
			.layer("Cli").definedBy(packages("cli"))
			.layer("Run").definedBy(packages("run", "metrics"))
			.layer("Job").definedBy(packages("job"))
			.layer("Phases").definedBy(packages(PHASES.toArray(String[]::new)))
			.layer("Shared").definedBy(packages("legacy", "migration", "partition", "faults"))
			.layer("Foundation").definedBy(packages("config", "lock", "clickhouse", "core"))
			.whereLayer("Application").mayNotBeAccessedByAnyLayer()
			.whereLayer("Cli").mayOnlyBeAccessedByLayers("Application")
			.whereLayer("Run").mayOnlyBeAccessedByLayers("Application", "Cli")
			.whereLayer("Job").mayOnlyBeAccessedByLayers("Application", "Cli", "Run")
			.whereLayer("Phases").mayOnlyBeAccessedByLayers("Application", "Cli", "Run", "Job")
			.whereLayer("Shared").mayOnlyBeAccessedByLayers("Application", "Cli", "Run", "Job", "Phases")
			.check(classes);
	}

	@Test
	void phasesDoNotImportEachOther() {
		for (String phase : PHASES) {
			String[] others = packages(PHASES.stream().filter((other) -> !other.equals(phase)).toArray(String[]::new));
			noClasses().that().resideInAnyPackage(packages(phase))
				.should().dependOnClassesThat().resideInAnyPackage(others)
				.check(classes);
		}
	}

	@Test
	void theAccessLayerKnowsNothingAboveIt() {
		noClasses().that().resideInAnyPackage(packages("clickhouse"))
			.should().dependOnClassesThat().resideInAnyPackage(packages("config", "lock"))
			.check(classes);
		noClasses().that().resideInAnyPackage(packages("core"))
			.should().dependOnClassesThat().resideInAnyPackage(packages("config", "lock", "clickhouse"))
			.check(classes);
	}

	private static String[] packages(String... names) {
		return List.of(names).stream().map((name) -> ROOT + "." + name + "..").toArray(String[]::new);
	}

}
