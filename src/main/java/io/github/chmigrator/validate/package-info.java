/**
 * Phase 5, {@code validateTable}: the whole work table is checked against what the workers
 * recorded.
 */
package io.github.chmigrator.validate;
