/**
 * Runs the migration job: one JobInstance per table (lock, restart, outcome), a whole database
 * table by table, and the run's report and summary line.
 */
package io.github.chmigrator.run;
