package io.github.chmigrator.migration;

import java.util.UUID;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;

import io.github.chmigrator.clickhouse.DdlRewriter;
import io.github.chmigrator.clickhouse.TableInfo;

/**
 * The tables a job instance creates beside the source (the work table, the staging table of late
 * rows), recorded in the job's ExecutionContext before they exist: an Atomic table is created with
 * the UUID recorded for it, so a table of that name with another UUID (a user's table, a leftover
 * of a run whose JobRepository was lost or that named the server differently) is recognised and
 * never reused, cleared or dropped. Ordinary databases have no table UUIDs: there the record
 * says only that this instance creates the table.
 *
 * <p>Job ExecutionContext keys: {@code owned.<role>} the UUID (or {@value #ORDINARY}) of the
 * table of each role; {@value #SOURCE_UUID} the source table's UUID when the job first saw it
 * (after the exchange, the old table carries it under the work table's name).
 */
public class OwnedTables {

	/** The work table, {@code <table>__migrating}. */
	public static final String WORK = "work";

	/** The staging table of late rows, {@code <table>__late}. */
	public static final String STAGING = "staging";

	/** The table moved partitions pass through on their way back with {@code --abort}, {@code <table>__back}. */
	public static final String BACK = "back";

	public static final String SOURCE_UUID = "sourceUuid";

	static final String ORDINARY = "ordinary";

	private static final String PREFIX = "owned.";

	private final JobRepository jobRepository;

	public OwnedTables(JobRepository jobRepository) {
		this.jobRepository = jobRepository;
	}

	/**
	 * The UUID to create the table of a role with: the recorded one, else {@code null}, in which
	 * case {@link #reserve} must run and commit first.
	 * @return the UUID, {@value #ORDINARY} in an Ordinary database, or {@code null}
	 */
	public String reserved(JobExecution execution, String role) {
		return execution.getExecutionContext().getString(PREFIX + role, null);
	}

	/**
	 * Records the table of a role before it is created: the caller returns
	 * {@code RepeatStatus.CONTINUABLE} so that the record commits, and creates the table on the next
	 * call with {@link #reserved}.
	 * @param atomic whether the database gives tables UUIDs
	 */
	public void reserve(JobExecution execution, String role, boolean atomic) {
		execution.getExecutionContext().putString(PREFIX + role, atomic ? UUID.randomUUID().toString() : ORDINARY);
		this.jobRepository.updateExecutionContext(execution);
	}

	/** Forgets the table of a role (dropped by this instance), so that it is made anew under a new UUID. */
	public void forget(JobExecution execution, String role) {
		execution.getExecutionContext().remove(PREFIX + role);
		this.jobRepository.updateExecutionContext(execution);
	}

	/**
	 * Records an existing table as the table of a role (the target table an unfinished progress
	 * file names, adopted as the work table), before it is renamed into place.
	 */
	public void adopt(JobExecution execution, String role, TableInfo table) {
		execution.getExecutionContext()
			.putString(PREFIX + role, TableInfo.NO_UUID.equals(table.uuid()) ? ORDINARY : table.uuid());
		this.jobRepository.updateExecutionContext(execution);
	}

	/** The {@code UUID} to write into a {@code CREATE TABLE} for a reserved value: none in Ordinary databases. */
	public static String uuidClause(String reserved) {
		return ORDINARY.equals(reserved) ? null : reserved;
	}

	/**
	 * The {@code CREATE TABLE} of this instance's work table: the source's definition on the target
	 * policy, with the reserved UUID and the marker ({@link WorkTableMarker}) as its comment.
	 */
	public static String workTableDdl(String sourceDdl, JobExecution execution, String reserved) {
		TableJobParameters job = TableJobParameters.of(execution.getJobParameters());
		WorkTableMarker marker = new WorkTableMarker(job.qualifiedTable(),
				execution.getExecutionContext().getString(SOURCE_UUID, TableInfo.NO_UUID), execution.getJobInstanceId(),
				TableJobParameters.sourceWhole(execution.getJobParameters()));
		return DdlRewriter.retarget(sourceDdl, job.database(), job.workTable(), uuidClause(reserved), job.targetPolicy(),
				marker.comment());
	}

	/** Records the source table's UUID the first time the job sees it. */
	public void recordSource(JobExecution execution, TableInfo source) {
		if (!execution.getExecutionContext().containsKey(SOURCE_UUID)) {
			execution.getExecutionContext().putString(SOURCE_UUID, source.uuid());
		}
	}

	/**
	 * Whether an existing table in the place of the given role is this instance's: created by it
	 * (same UUID; in an Ordinary database, recorded as created), or, for the work table, the
	 * source table that the exchange put there.
	 */
	public boolean owns(JobExecution execution, String role, TableInfo existing) {
		String reserved = reserved(execution, role);
		if (reserved == null) {
			return false;
		}
		if (TableInfo.NO_UUID.equals(existing.uuid())) {
			return reserved.equals(ORDINARY);
		}
		return reserved.equals(existing.uuid()) || (role.equals(WORK)
				&& existing.uuid().equals(execution.getExecutionContext().getString(SOURCE_UUID, null)));
	}

}
