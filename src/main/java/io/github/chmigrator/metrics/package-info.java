/**
 * The design's metrics (§10.1), written as a Prometheus textfile and pushed to a Pushgateway; a
 * listener of the run.
 */
package io.github.chmigrator.metrics;
