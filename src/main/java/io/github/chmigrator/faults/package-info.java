/**
 * Test hooks: named points where a test makes a run fail or die like {@code kill -9}; no-ops in
 * production.
 */
package io.github.chmigrator.faults;
