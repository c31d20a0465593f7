/**
 * The JSON report of a table's run and of a whole run, written by a listener of the job.
 */
package io.github.chmigrator.report;
