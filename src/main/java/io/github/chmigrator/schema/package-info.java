/**
 * Phase 2, {@code cloneSchema}: the work table is created with the source's definition on the
 * target policy.
 */
package io.github.chmigrator.schema;
