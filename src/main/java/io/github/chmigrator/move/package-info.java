/**
 * The in-place migration ({@code --strategy move}): setPolicy changes the table's storage policy
 * ({@code MODIFY SETTING}), one movePartition worker step per ClickHouse partition moves its parts
 * to the target policy's S3 volume ({@code MOVE PARTITION … TO VOLUME}), validateMoves checks the
 * whole table. No second table, no swap: readers, inserts, mutations and views are never touched.
 */
package io.github.chmigrator.move;
