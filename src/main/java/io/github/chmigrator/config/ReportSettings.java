package io.github.chmigrator.config;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where reports go (design §7: {@code report.path}, {@code REPORT_PATH}, {@code --report-path}).
 *
 * @param path the report directory
 */
@ConfigurationProperties("report")
public record ReportSettings(@DefaultValue("./reports") Path path) {

}
