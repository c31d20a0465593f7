package io.github.chmigrator.legacy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.chmigrator.legacy.ProgressFile.PartitionProgress;
import io.github.chmigrator.legacy.ProgressFile.TableProgress;

/**
 * What an existing progress file says about a table, for {@code --resume} (design §12.3): its
 * target table and the partitions it records as done. The migration still verifies each of them
 * in the target before trusting it.
 */
public class ProgressImport {

	private static final Logger logger = LoggerFactory.getLogger(ProgressImport.class);

	private final Path file;

	public ProgressImport(Path file) {
		this.file = file;
	}

	/** The progress file read. */
	public Path file() {
		return this.file;
	}

	/** The table's entry, when the file has one that is not completed. */
	public Optional<TableProgress> unfinished(String qualifiedTable) {
		TableProgress table = ProgressFile.read(this.file).table(qualifiedTable);
		if (table == null || "completed".equals(table.status())) {
			return Optional.empty();
		}
		logger.info("Table {}: progress file {} records {} partitions done in {}", qualifiedTable, this.file,
				table.completedPartitions().size(), table.targetTable());
		return Optional.of(table);
	}

	/** The partitions recorded done, by partition id; empty without an unfinished entry. */
	public Map<String, PartitionProgress> donePartitions(String qualifiedTable) {
		return unfinished(qualifiedTable).map(TableProgress::completedPartitions).orElse(Map.of());
	}

}
