package io.github.chmigrator.clickhouse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link DdlRewriter}. The fixtures are statements printed by ClickHouse 26.7
 * ({@code system.tables.create_table_query} and {@code SHOW CREATE TABLE}).
 */
class DdlRewriterTests {

	/** {@code system.tables.create_table_query} of a table using most column and table features. */
	private static final String EVENTS_ONE_LINE = "CREATE TABLE ddl_probe.events (`day` Date, "
			+ "`id` UInt64 CODEC(Delta(8), ZSTD(1)), `s` String DEFAULT 'a SETTINGS b', "
			+ "`m` UInt64 MATERIALIZED id * 2, `a` UInt64 ALIAS id + 1 COMMENT 'it\\'s', "
			+ "INDEX idx s TYPE bloom_filter GRANULARITY 1, CONSTRAINT c CHECK id >= 0, "
			+ "PROJECTION p (SELECT day, count() GROUP BY day)) ENGINE = SummingMergeTree(m) "
			+ "PARTITION BY toYYYYMM(day) PRIMARY KEY id ORDER BY (id, day) SAMPLE BY id "
			+ "TTL day + toIntervalYear(10) SETTINGS index_granularity = 8192, "
			+ "deduplicate_merge_projection_mode = 'rebuild', storage_policy = 'default' COMMENT 'table comment'";

	/** {@code SHOW CREATE TABLE} of the same table. */
	private static final String EVENTS_MULTI_LINE = """
			CREATE TABLE ddl_probe.events
			(
			    `day` Date,
			    `id` UInt64 CODEC(Delta(8), ZSTD(1)),
			    `s` String DEFAULT 'a SETTINGS b',
			    `m` UInt64 MATERIALIZED id * 2,
			    `a` UInt64 ALIAS id + 1 COMMENT 'it\\'s',
			    INDEX idx s TYPE bloom_filter GRANULARITY 1,
			    CONSTRAINT c CHECK id >= 0,
			    PROJECTION p
			    (
			        SELECT
			            day,
			            count()
			        GROUP BY day
			    )
			)
			ENGINE = SummingMergeTree(m)
			PARTITION BY toYYYYMM(day)
			PRIMARY KEY id
			ORDER BY (id, day)
			SAMPLE BY id
			TTL day + toIntervalYear(10)
			SETTINGS index_granularity = 8192, deduplicate_merge_projection_mode = 'rebuild', storage_policy = 'default'
			COMMENT 'table comment'""";

	/** A table name with a backtick, a backslash, a space, a keyword and unicode. */
	private static final String WEIRD_NAME = "CREATE TABLE ddl_probe.`we\\`ird SETTINGS\\\\ é` "
			+ "(`x` UInt8 COMMENT 'COMMENT \\' SETTINGS') ENGINE = MergeTree ORDER BY x "
			+ "SETTINGS storage_policy = 's3', index_granularity = 1024";

	/** A database name that needs quoting, a column SETTINGS and a multi-line table comment. */
	private static final String COLUMN_SETTINGS = "CREATE TABLE `my db ü`.t (`x` UInt8, "
			+ "`y SETTINGS` String COMMENT 'x' SETTINGS (max_compress_block_size = 1048576)) "
			+ "ENGINE = MergeTree ORDER BY x SETTINGS index_granularity = 8192 "
			+ "COMMENT 'multi\\nline \\'q\\' \\\\ SETTINGS'";

	/** {@code SHOW CREATE TABLE} with {@code show_table_uuid_in_table_create_query_if_not_nil = 1}. */
	private static final String WITH_UUID = """
			CREATE TABLE ddl_probe.defpol UUID 'da4aa45a-23b8-4c1c-88d4-599162fde3c2'
			(
			    `x` UInt8
			)
			ENGINE = MergeTree
			ORDER BY x
			SETTINGS storage_policy = 'default', index_granularity = 8192""";

	@Test
	void oneLineStatementIsRetargeted() {
		assertThat(DdlRewriter.retarget(EVENTS_ONE_LINE, "ddl_probe", "events_s3", "s3"))
			.isEqualTo(EVENTS_ONE_LINE.replace("CREATE TABLE ddl_probe.events ", "CREATE TABLE `ddl_probe`.`events_s3` ")
				.replace("storage_policy = 'default'", "storage_policy = 's3'"));
	}

	@Test
	void retargetedTableGetsTheGivenUuidInPlaceOfTheSourcesOne() {
		String withUuid = EVENTS_ONE_LINE.replace("CREATE TABLE ddl_probe.events ",
				"CREATE TABLE ddl_probe.events UUID '11111111-2222-3333-4444-555555555555' ");
		assertThat(DdlRewriter.retarget(withUuid, "ddl_probe", "events_s3", "66666666-7777-8888-9999-000000000000", "s3"))
			.isEqualTo(EVENTS_ONE_LINE
				.replace("CREATE TABLE ddl_probe.events ",
						"CREATE TABLE `ddl_probe`.`events_s3` UUID '66666666-7777-8888-9999-000000000000' ")
				.replace("storage_policy = 'default'", "storage_policy = 's3'"));
	}

	@Test
	void multiLineStatementIsRetargeted() {
		assertThat(DdlRewriter.retarget(EVENTS_MULTI_LINE, "ddl_probe", "events_s3", "s3"))
			.isEqualTo(EVENTS_MULTI_LINE.replace("ddl_probe.events\n", "`ddl_probe`.`events_s3`\n")
				.replace("storage_policy = 'default'", "storage_policy = 's3'"));
	}

	@Test
	void codecsTtlIndicesProjectionsAndConstraintsArePreserved() {
		String retargeted = DdlRewriter.retarget(EVENTS_ONE_LINE, "d", "t", "s3");
		String body = EVENTS_ONE_LINE.substring(EVENTS_ONE_LINE.indexOf(" ("), EVENTS_ONE_LINE.lastIndexOf(" SETTINGS "));
		assertThat(retargeted).contains(body).endsWith(" COMMENT 'table comment'");
	}

	@Test
	void quotedNamesWithBackticksBackslashesAndUnicodeAreReplaced() {
		assertThat(DdlRewriter.retarget(WEIRD_NAME, "my db ü", "new`näme\\", "s3 tier"))
			.isEqualTo("CREATE TABLE `my db ü`.`new\\`näme\\\\` (`x` UInt8 COMMENT 'COMMENT \\' SETTINGS') "
					+ "ENGINE = MergeTree ORDER BY x SETTINGS storage_policy = 's3 tier', index_granularity = 1024");
	}

	@Test
	void doubledBacktickAndDoubleQuotedNamesAreReplaced() {
		String doubled = "CREATE TABLE `my``db`.`a``b` (`x` UInt8) ENGINE = MergeTree ORDER BY x";
		String doubleQuoted = "CREATE TABLE \"my\"\"db\".\"a\\\"b\" (`x` UInt8) ENGINE = MergeTree ORDER BY x";
		String expected = "CREATE TABLE `d`.`t` (`x` UInt8) ENGINE = MergeTree ORDER BY x SETTINGS storage_policy = 's3'";
		assertThat(DdlRewriter.retarget(doubled, "d", "t", "s3")).isEqualTo(expected);
		assertThat(DdlRewriter.retarget(doubleQuoted, "d", "t", "s3")).isEqualTo(expected);
	}

	@Test
	void unqualifiedNameAndLeadingWhitespaceAreAccepted() {
		assertThat(DdlRewriter.retarget("\n  create table t (x UInt8) ENGINE = MergeTree ORDER BY x", "d", "n", "p"))
			.isEqualTo("\n  create table `d`.`n` (x UInt8) ENGINE = MergeTree ORDER BY x SETTINGS storage_policy = 'p'");
	}

	@Test
	void uuidClauseIsRemoved() {
		assertThat(DdlRewriter.retarget(WITH_UUID, "ddl_probe", "defpol_s3", "s3"))
			.isEqualTo("CREATE TABLE `ddl_probe`.`defpol_s3`\n(\n    `x` UInt8\n)\nENGINE = MergeTree\nORDER BY x\n"
					+ "SETTINGS storage_policy = 's3', index_granularity = 8192");
		assertThat(DdlRewriter.retarget("CREATE TABLE d.t UUID 'da4aa45a-23b8-4c1c-88d4-599162fde3c2' (x UInt8) "
				+ "ENGINE = MergeTree ORDER BY x", "d", "u", "s3"))
			.isEqualTo("CREATE TABLE `d`.`u` (x UInt8) ENGINE = MergeTree ORDER BY x SETTINGS storage_policy = 's3'");
	}

	@Test
	void storagePolicyIsReplacedWhereverItIs() {
		assertThat(retargetSettings("storage_policy = 'default', index_granularity = 8192"))
			.isEqualTo("storage_policy = 's3', index_granularity = 8192");
		assertThat(retargetSettings("min_bytes_for_wide_part = 0, storage_policy = 'tiered', index_granularity = 8192"))
			.isEqualTo("min_bytes_for_wide_part = 0, storage_policy = 's3', index_granularity = 8192");
		assertThat(retargetSettings("index_granularity = 8192, storage_policy = 'default'"))
			.isEqualTo("index_granularity = 8192, storage_policy = 's3'");
		assertThat(retargetSettings("index_granularity = 8192"))
			.isEqualTo("index_granularity = 8192, storage_policy = 's3'");
	}

	@Test
	void policyNameIsQuotedAsLiteral() {
		assertThat(DdlRewriter.retarget("CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x", "d", "t", "it's"))
			.endsWith(" SETTINGS storage_policy = 'it\\'s'");
	}

	@Test
	void diskSettingIsRemoved() {
		assertThat(retargetSettings("disk = 's3', index_granularity = 8192"))
			.isEqualTo("storage_policy = 's3', index_granularity = 8192");
		assertThat(retargetSettings("index_granularity = 8192, disk = disk(type = 'local', path = '/x/')"))
			.isEqualTo("index_granularity = 8192, storage_policy = 's3'");
		assertThat(retargetSettings("index_granularity = 8192, disk = 'a', storage_policy = 'b'"))
			.isEqualTo("index_granularity = 8192, storage_policy = 's3'");
		assertThat(retargetSettings("storage_policy = 'b', disk = 'a', index_granularity = 8192"))
			.isEqualTo("storage_policy = 's3', index_granularity = 8192");
	}

	@Test
	void missingSettingsAreAddedBeforeTableComment() {
		assertThat(DdlRewriter.retarget("CREATE TABLE d.t (`x` UInt8) ENGINE = Memory COMMENT 'c'", "d", "u", "s3"))
			.isEqualTo("CREATE TABLE `d`.`u` (`x` UInt8) ENGINE = Memory SETTINGS storage_policy = 's3' COMMENT 'c'");
		assertThat(DdlRewriter.retarget("CREATE TABLE d.t\n(\n    `x` UInt8\n)\nENGINE = MergeTree\nORDER BY x\n"
				+ "COMMENT 'SETTINGS x = 1'", "d", "u", "s3"))
			.isEqualTo("CREATE TABLE `d`.`u`\n(\n    `x` UInt8\n)\nENGINE = MergeTree\nORDER BY x SETTINGS storage_policy = 's3'\n"
					+ "COMMENT 'SETTINGS x = 1'");
	}

	@Test
	void missingSettingsAreAddedAtTheEnd() {
		assertThat(DdlRewriter.retarget("CREATE TABLE d.t (`x` UInt8 COMMENT 'c') ENGINE = MergeTree ORDER BY x\n",
				"d", "u", "s3"))
			.isEqualTo("CREATE TABLE `d`.`u` (`x` UInt8 COMMENT 'c') ENGINE = MergeTree ORDER BY x "
					+ "SETTINGS storage_policy = 's3'\n");
	}

	@Test
	void keywordsInsideLiteralsIdentifiersAndBracketsAreIgnored() {
		String sql = "CREATE TABLE d.t (`SETTINGS` String DEFAULT 'SETTINGS storage_policy = \\'x\\'', "
				+ "`c` String COMMENT 'COMMENT ''y''' SETTINGS (max_compress_block_size = 1048576), "
				+ "PROJECTION p (SELECT * ORDER BY c) /* SETTINGS disk = 'q' */) "
				+ "ENGINE = MergeTree ORDER BY settings -- COMMENT 'z'\n"
				+ "SETTINGS index_granularity = 8192 COMMENT 'SETTINGS storage_policy = \\'x\\''";
		String expected = sql.replace("d.t", "`d`.`t2`")
			.replace("8192 COMMENT", "8192, storage_policy = 's3' COMMENT");
		assertThat(DdlRewriter.retarget(sql, "d", "t2", "s3")).isEqualTo(expected);
	}

	@Test
	void bareColumnsNamedLikeKeywordsAreNotClauses() {
		String sql = "CREATE TABLE ddl_probe.kw (`settings` UInt8, `comment` String) ENGINE = MergeTree "
				+ "ORDER BY settings SETTINGS storage_policy = 's3', index_granularity = 8192";
		assertThat(DdlRewriter.retarget(sql, "d", "t", "x")).endsWith("ORDER BY settings SETTINGS storage_policy = 'x', "
				+ "index_granularity = 8192");
		assertThat(DdlRewriter.retarget("CREATE TABLE d.kw2 (`comment` String) ENGINE = MergeTree ORDER BY comment",
				"d", "t", "x"))
			.endsWith("ORDER BY comment SETTINGS storage_policy = 'x'");
	}

	@Test
	void columnSettingsAndMultiLineTableCommentAreUntouched() {
		assertThat(DdlRewriter.retarget(COLUMN_SETTINGS, "my db ü", "t2", "s3"))
			.isEqualTo(COLUMN_SETTINGS.replace("`my db ü`.t ", "`my db ü`.`t2` ")
				.replace("8192 COMMENT", "8192, storage_policy = 's3' COMMENT"));
	}

	@Test
	void settingsValueReadsTopLevelSettings() {
		assertThat(DdlRewriter.settingsValue(EVENTS_ONE_LINE, "storage_policy")).isEqualTo("'default'");
		assertThat(DdlRewriter.settingsValue(EVENTS_MULTI_LINE, "index_granularity")).isEqualTo("8192");
		assertThat(DdlRewriter.settingsValue(COLUMN_SETTINGS, "max_compress_block_size")).isNull();
		assertThat(DdlRewriter.settingsValue(COLUMN_SETTINGS, "storage_policy")).isNull();
		assertThat(DdlRewriter.settingsValue("CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x "
				+ "SETTINGS disk = disk(type = 'local', path = '/a, b/'), index_granularity = 1", "disk"))
			.isEqualTo("disk(type = 'local', path = '/a, b/')");
	}

	@Test
	void normalizeIgnoresFormattingNameUuidAndPlacement() {
		String retargeted = DdlRewriter.retarget(EVENTS_ONE_LINE, "other db", "events_s3", "s3");
		assertThat(DdlRewriter.normalize(EVENTS_ONE_LINE)).isEqualTo(DdlRewriter.normalize(EVENTS_MULTI_LINE))
			.isEqualTo(DdlRewriter.normalize(retargeted))
			.startsWith("CREATE TABLE _ (`day` Date, ")
			.endsWith("SETTINGS index_granularity = 8192, deduplicate_merge_projection_mode = 'rebuild'");
		assertThat(DdlRewriter.normalize(WITH_UUID))
			.isEqualTo("CREATE TABLE _ (`x` UInt8) ENGINE = MergeTree ORDER BY x SETTINGS index_granularity = 8192");
	}

	@Test
	void theWorkTableCarriesTheMarkerAsItsCommentAndTheSourcesCommentIsRead() {
		String marked = DdlRewriter.retarget(EVENTS_ONE_LINE, "db", "events__migrating", null, "s3", "marker 'x'");
		assertThat(marked).endsWith("SETTINGS index_granularity = 8192, deduplicate_merge_projection_mode = 'rebuild', "
				+ "storage_policy = 's3' COMMENT 'marker \\'x\\''");
		assertThat(DdlRewriter.comment(marked)).isEqualTo("marker 'x'");
		assertThat(DdlRewriter.comment(EVENTS_ONE_LINE)).isEqualTo("table comment");
		String uncommented = "CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x";
		assertThat(DdlRewriter.retarget(uncommented, "d", "w", null, "s3", "m"))
			.isEqualTo("CREATE TABLE `d`.`w` (x UInt8) ENGINE = MergeTree ORDER BY x SETTINGS storage_policy = 's3' COMMENT 'm'");
		assertThat(DdlRewriter.comment(uncommented)).isEmpty();
	}

	@Test
	void normalizeDropsSettingsClauseLeftEmpty() {
		assertThat(DdlRewriter.normalize("CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x\n"
				+ "SETTINGS disk = 's3', storage_policy = 'p'\nCOMMENT 'c'"))
			.isEqualTo("CREATE TABLE _ (x UInt8) ENGINE = MergeTree ORDER BY x");
		assertThat(DdlRewriter.normalize("CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x"))
			.isEqualTo(DdlRewriter.normalize(DdlRewriter.retarget("CREATE TABLE t (x UInt8) ENGINE = MergeTree "
					+ "ORDER BY x", "d", "t", "s3")));
	}

	@Test
	void normalizeKeepsWhitespaceInsideLiteralsAndIdentifiers() {
		assertThat(DdlRewriter.normalize("CREATE TABLE t\n(\n  `a  b` String DEFAULT 'x   y'\n) ENGINE = Memory"))
			.isEqualTo("CREATE TABLE _ (`a  b` String DEFAULT 'x   y') ENGINE = Memory");
		assertThat(DdlRewriter.normalize("CREATE TABLE t (`a``b` UInt8) ENGINE = Memory"))
			.isEqualTo(DdlRewriter.normalize("CREATE TABLE t (`a\\`b` UInt8) ENGINE = Memory"));
	}

	@Test
	void normalizeDiffersWhenDefinitionDiffers() {
		String changedType = EVENTS_ONE_LINE.replace("`id` UInt64", "`id` UInt32");
		String changedSetting = EVENTS_ONE_LINE.replace("index_granularity = 8192", "index_granularity = 1024");
		String changedDefault = EVENTS_ONE_LINE.replace("'a SETTINGS b'", "'a  SETTINGS b'");
		assertThat(DdlRewriter.normalize(changedType)).isNotEqualTo(DdlRewriter.normalize(EVENTS_ONE_LINE));
		assertThat(DdlRewriter.normalize(changedSetting)).isNotEqualTo(DdlRewriter.normalize(EVENTS_ONE_LINE));
		assertThat(DdlRewriter.normalize(changedDefault)).isNotEqualTo(DdlRewriter.normalize(EVENTS_ONE_LINE));
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "   ", "SELECT 1", "CREATE VIEW v AS SELECT 1", "CREATE TEMPORARY TABLE t (x UInt8)",
			"CREATE TABLE", "CREATE TABLE (x UInt8) ENGINE = Memory", "CREATE TABLE t",
			"CREATE TABLE t (x UInt8 ENGINE = Memory", "CREATE TABLE t (x UInt8)) ENGINE = Memory",
			"CREATE TABLE t (x String DEFAULT 'abc) ENGINE = Memory", "CREATE TABLE `t (x UInt8) ENGINE = Memory",
			"CREATE TABLE t (x UInt8) ENGINE = Memory SETTINGS a = 1,", "CREATE TABLE t (x UInt8) SETTINGS a = , b = 2",
			"CREATE TABLE t (x UInt8) /* unterminated" })
	void badInputIsRejected(String sql) {
		assertThatIllegalArgumentException().isThrownBy(() -> DdlRewriter.retarget(sql, "d", "t", "s3"))
			.withMessageContaining("Cannot parse CREATE TABLE statement");
		assertThatIllegalArgumentException().isThrownBy(() -> DdlRewriter.normalize(sql));
	}

	private static String retargetSettings(String settings) {
		String sql = "CREATE TABLE d.t (`x` UInt8) ENGINE = MergeTree ORDER BY x SETTINGS " + settings;
		String retargeted = DdlRewriter.retarget(sql, "d", "t", "s3");
		assertThat(retargeted).startsWith("CREATE TABLE `d`.`t` (`x` UInt8) ENGINE = MergeTree ORDER BY x SETTINGS ");
		return retargeted.substring(retargeted.indexOf(" SETTINGS ") + " SETTINGS ".length());
	}

}
