package io.github.chmigrator.config;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * gh-ost's hooks ({@code --hooks-path}, {@code --hooks-status-interval}): executables the run calls
 * at its milestones.
 *
 * @param path the directory holding the hooks, {@code null} for none
 * @param statusInterval seconds between two {@code on-status} calls
 * @param timeout how long one hook may run before it is killed (and counts as failed)
 */
@ConfigurationProperties("migration.hooks")
public record HookSettings(String path, @DefaultValue("60") int statusInterval, @DefaultValue("60s") Duration timeout) {

}
