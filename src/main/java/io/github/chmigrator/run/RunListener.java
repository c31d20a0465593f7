package io.github.chmigrator.run;

/** Told about every finished run, single table or whole database (metrics, exports). */
@FunctionalInterface
public interface RunListener {

	void afterRun(RunSummary run);

}
