/**
 * Settings records bound from properties (design §7), and the ClickHouse client's configuration.
 */
package io.github.chmigrator.config;
