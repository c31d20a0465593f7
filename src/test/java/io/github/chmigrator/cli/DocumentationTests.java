package io.github.chmigrator.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The documentation says what the program does: every flag {@code --help} prints is in
 * {@code docs/configuration.md}, every flag there is accepted, every relative link and anchor of
 * the README and the pages resolves, the README stays short, and each page opens with a paragraph
 * saying what it answers.
 */
class DocumentationTests {

	private static final Path README = Path.of("README.md");

	private static final Path DOCS = Path.of("docs");

	private static final List<String> PAGES = List.of("strategies.md", "exactness.md", "configuration.md",
			"operations.md", "troubleshooting.md", "development.md", "benchmark.md");

	/** A flag: two dashes and a name, not a Spring property ({@code --name.of.property}). */
	private static final Pattern FLAG = Pattern.compile("--[a-z][a-z0-9-]*(?![.a-z0-9-])");

	private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

	@Test
	void everyFlagOfHelpIsInTheConfigurationPage() throws IOException {
		String configuration = Files.readString(DOCS.resolve("configuration.md"));
		Set<String> documented = flags(configuration);

		assertThat(flags(CommandLineFlags.usage())).isNotEmpty().allSatisfy((flag) -> assertThat(documented)
			.as("docs/configuration.md documents %s", flag)
			.contains(flag));
	}

	@Test
	void everyFlagOfTheConfigurationTableIsAccepted() throws IOException {
		Set<String> tabled = new TreeSet<>();
		for (String line : Files.readAllLines(DOCS.resolve("configuration.md"))) {
			if (line.startsWith("| `--")) {
				tabled.addAll(flags(line.substring(1, line.indexOf(" | "))));
			}
		}

		assertThat(tabled).hasSizeGreaterThan(40).allSatisfy((flag) -> assertThat(
				CommandLineFlags.FLAGS.containsKey(flag) || ClusterCommand.FLAGS.contains(flag) || flag.equals("--help"))
			.as("%s is accepted by the command line", flag)
			.isTrue());
	}

	@Test
	void everyRelativeLinkAndAnchorResolves() throws IOException {
		List<String> broken = new ArrayList<>();
		for (Path file : files()) {
			Matcher link = LINK.matcher(Files.readString(file));
			while (link.find()) {
				String target = link.group(1);
				if (target.matches("^[a-z]+:.*")) {
					continue;
				}
				int hash = target.indexOf('#');
				String path = (hash < 0) ? target : target.substring(0, hash);
				Path resolved = path.isEmpty() ? file : file.resolveSibling(path).normalize();
				if (!Files.exists(resolved)) {
					broken.add(file + ": " + target + " (no file " + resolved + ")");
				}
				else if (hash >= 0 && !anchors(resolved).contains(target.substring(hash + 1))) {
					broken.add(file + ": " + target + " (no heading with that anchor in " + resolved + ")");
				}
			}
		}
		assertThat(broken).isEmpty();
	}

	@Test
	void theReadmeIsShortAndLinksEveryPage() throws IOException {
		String readme = Files.readString(README);

		assertThat(Files.size(README)).as("README.md bytes").isLessThanOrEqualTo(12 * 1024);
		assertThat(PAGES).allSatisfy((page) -> assertThat(readme).contains("](docs/" + page));
	}

	@Test
	void eachPageOpensWithAParagraphSayingWhatItAnswers() throws IOException {
		for (String page : PAGES) {
			List<String> blocks = Stream.of(Files.readString(DOCS.resolve(page)).split("\n\\s*\n"))
				.map(String::strip)
				.filter((block) -> !block.isEmpty())
				.toList();
			assertThat(blocks.get(0)).as(page + " title").startsWith("# ");
			assertThat(blocks.get(1)).as(page + " opening paragraph").doesNotStartWith("#").doesNotStartWith("|")
				.doesNotStartWith("```").hasSizeGreaterThan(80);
		}
	}

	private static List<Path> files() {
		List<Path> files = new ArrayList<>(List.of(README));
		PAGES.forEach((page) -> files.add(DOCS.resolve(page)));
		return files;
	}

	private static Set<String> flags(String text) {
		Set<String> flags = new TreeSet<>();
		Matcher flag = FLAG.matcher(text);
		while (flag.find()) {
			flags.add(flag.group());
		}
		return flags;
	}

	/** GitHub's anchors of a Markdown file's headings (outside code fences). */
	static Set<String> anchors(Path file) throws IOException {
		Set<String> anchors = new TreeSet<>();
		boolean fenced = false;
		for (String line : Files.readAllLines(file)) {
			if (line.startsWith("```")) {
				fenced = !fenced;
			}
			if (!fenced && line.matches("^#{1,6} .*")) {
				anchors.add(slug(line.replaceFirst("^#+ ", "")));
			}
		}
		return anchors;
	}

	/** GitHub's slug: lower case, punctuation but hyphens and underscores dropped, spaces to hyphens. */
	static String slug(String heading) {
		return heading.strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
	}

}
