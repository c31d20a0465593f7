/**
 * The original script's progress file (design §12.3): exported after every partition, imported
 * with {@code --resume}.
 */
package io.github.chmigrator.legacy;
