/**
 * The ClickHouse access layer: the only place SQL is written (identifier quoting, DDL rewriting,
 * system-table queries).
 */
package io.github.chmigrator.clickhouse;
