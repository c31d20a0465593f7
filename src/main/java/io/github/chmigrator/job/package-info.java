/**
 * The Spring Batch wiring of the {@code migrateTable} job: its steps in order, their listeners,
 * and the graceful stop on SIGTERM.
 */
package io.github.chmigrator.job;
