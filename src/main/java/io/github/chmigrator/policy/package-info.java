/**
 * Phase 1, {@code checkPolicy}: the table, its engine and the target storage policy are checked
 * before anything changes.
 */
package io.github.chmigrator.policy;
