package io.github.chmigrator.clickhouse;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SqlTests {

	@Test
	void plainIdentifierIsBacktickQuoted() {
		assertThat(Sql.identifier("events")).isEqualTo("`events`");
	}

	@Test
	void backticksAndBackslashesInIdentifiersAreEscaped() {
		assertThat(Sql.identifier("we`ird\\name")).isEqualTo("`we\\`ird\\\\name`");
	}

	@Test
	void unicodeSpacesAndDotsStayInsideOneIdentifier() {
		assertThat(Sql.identifier("таблица 1.v2")).isEqualTo("`таблица 1.v2`");
		assertThat(Sql.qualified("my db", "a.b")).isEqualTo("`my db`.`a.b`");
	}

	@Test
	void emptyIdentifierIsRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> Sql.identifier(""));
	}

	@Test
	void literalEscapesQuotesBackslashesAndNul() {
		assertThat(Sql.literal("it's")).isEqualTo("'it\\'s'");
		assertThat(Sql.literal("a\\b")).isEqualTo("'a\\\\b'");
		assertThat(Sql.literal("nul\0end")).isEqualTo("'nul\\0end'");
		assertThat(Sql.literal("")).isEqualTo("''");
	}

	@Test
	void backtickNeedsNoEscapeInsideALiteral() {
		assertThat(Sql.literal("a`b")).isEqualTo("'a`b'");
	}

}
