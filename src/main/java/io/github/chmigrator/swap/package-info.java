/**
 * Phase 6, {@code swapTables}: rows that arrived during the copy are moved, then the work table
 * takes the source's name.
 */
package io.github.chmigrator.swap;
