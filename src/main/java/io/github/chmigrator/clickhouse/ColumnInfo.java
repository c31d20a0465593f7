package io.github.chmigrator.clickhouse;

/**
 * One column of a table, from {@code system.columns}, as far as {@code ADD COLUMN} needs it.
 *
 * @param name the column name
 * @param type the type
 * @param defaultKind {@code DEFAULT}, {@code MATERIALIZED}, {@code ALIAS}, {@code EPHEMERAL} or empty
 * @param defaultExpression the expression of the default kind, empty without one
 * @param codec {@code CODEC(…)} or empty
 * @param comment the comment, empty without one
 */
public record ColumnInfo(String name, String type, String defaultKind, String defaultExpression, String codec,
		String comment) {

	/** Whether the column is stored in parts (not ALIAS or EPHEMERAL). */
	public boolean isStored() {
		return !this.defaultKind.equals("ALIAS") && !this.defaultKind.equals("EPHEMERAL");
	}

	/** The column's definition in {@code CREATE TABLE} / {@code ADD COLUMN} syntax. */
	public String definition() {
		return Sql.identifier(this.name) + " " + this.type
				+ (this.defaultKind.isEmpty() ? "" : " " + this.defaultKind + " " + this.defaultExpression)
				+ (this.comment.isEmpty() ? "" : " COMMENT " + Sql.literal(this.comment))
				+ (this.codec.isEmpty() ? "" : " " + this.codec);
	}

}
