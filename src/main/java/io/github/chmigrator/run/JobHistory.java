package io.github.chmigrator.run;

import java.io.PrintStream;
import java.time.format.DateTimeFormatter;
import java.util.List;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;

import io.github.chmigrator.job.MigrationJobConfiguration;
import io.github.chmigrator.migration.TableJobParameters;
import io.github.chmigrator.partition.PartitionPlanner;
import io.github.chmigrator.partition.Plan;

/**
 * {@code --list}: the recent job instances (one per table and target policy) and their executions
 * with status and partition progress, newest first. Reads the JobRepository only.
 */
public class JobHistory {

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

	private static final int INSTANCES = 50;

	private final JobRepository jobRepository;

	public JobHistory(JobRepository jobRepository) {
		this.jobRepository = jobRepository;
	}

	public void print(PrintStream out) {
		List<JobInstance> instances = this.jobRepository.getJobInstances(MigrationJobConfiguration.JOB_NAME, 0, INSTANCES);
		if (instances.isEmpty()) {
			out.println("no migrations recorded in this JobRepository");
			return;
		}
		out.printf("%-9s %-10s %-9s %-19s %-19s %-11s %s%n", "INSTANCE", "EXECUTION", "STATUS", "START", "END",
				"PARTITIONS", "TABLE -> POLICY (SERVER)");
		for (JobInstance instance : instances) {
			for (JobExecution execution : this.jobRepository.getJobExecutions(instance)) {
				TableJobParameters table = TableJobParameters.of(execution.getJobParameters());
				out.printf("%-9d %-10d %-9s %-19s %-19s %-11s %s -> %s (%s)%n", instance.getInstanceId(), execution.getId(),
						execution.getStatus(), time(execution.getStartTime()), time(execution.getEndTime()),
						partitions(execution), table.qualifiedTable(), table.targetPolicy(), table.clickhouse());
			}
		}
	}

	private static String partitions(JobExecution execution) {
		List<StepExecution> workers = execution.getStepExecutions()
			.stream()
			.filter((step) -> PartitionPlanner.isWorker(step.getStepName()))
			.toList();
		long done = workers.stream().filter((step) -> step.getStatus() == BatchStatus.COMPLETED).count();
		// workers are made as their partitions start: the plan says how many there are
		Object plan = execution.getExecutionContext().get(PartitionPlanner.PLAN);
		int planned = (plan != null) ? Plan.fromContext(plan).size() : workers.size();
		return (planned == 0) ? "-" : done + "/" + planned;
	}

	private static String time(java.time.LocalDateTime time) {
		return (time != null) ? TIME.format(time) : "-";
	}

}
