/**
 * The bottom of the tree: exit codes, the operator-facing {@link
 * io.github.chmigrator.core.MigratorException}, sizes and atomic file writes.
 */
package io.github.chmigrator.core;
