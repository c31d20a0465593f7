/**
 * Phase 3, {@code planPartitions}: the source's partitions are listed once and stored as the job's
 * plan.
 */
package io.github.chmigrator.plan;
