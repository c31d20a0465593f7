/**
 * The command line: flags, environment variables and the YAML config file (design §4.1, §7), and
 * the command that runs a table, a database or {@code --list}.
 */
package io.github.chmigrator.cli;
