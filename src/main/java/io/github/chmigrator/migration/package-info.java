/**
 * What one table's migration shares across its phases: the job parameters, its outcomes, the
 * progress log and merge holds.
 */
package io.github.chmigrator.migration;
