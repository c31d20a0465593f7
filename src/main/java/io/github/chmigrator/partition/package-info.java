/**
 * The per-partition contract shared by the phases: the Partitioner and its ExecutionContext keys,
 * the stored plan, and what the workers recorded.
 */
package io.github.chmigrator.partition;
