/**
 * The per-table lock file (design §4.2.8) that keeps two runs off one table.
 */
package io.github.chmigrator.lock;
