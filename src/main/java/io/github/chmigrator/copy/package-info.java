/**
 * Phase 4, {@code copyPartitions}: one worker step per ClickHouse partition copies it into the
 * work table, verifies it and drops the copied source parts.
 */
package io.github.chmigrator.copy;
