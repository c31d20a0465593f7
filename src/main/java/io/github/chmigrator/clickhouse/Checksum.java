package io.github.chmigrator.clickhouse;

/**
 * Rows and an order-independent hash of rows: {@code sum(cityHash64(tuple(columns…)))} modulo 2^64 (NULL hashed
 * as a value of its own), so a
 * missing, extra or changed row changes it whatever the order of parts and rows.
 *
 * @param rows the rows hashed
 * @param hash the sum of the row hashes, as decimal text
 */
public record Checksum(long rows, String hash) {

}
