package io.github.chmigrator.job;

import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

import io.github.chmigrator.clickhouse.ClickHouseCatalog;
import io.github.chmigrator.plan.PlanPartitionsTasklet;
import io.github.chmigrator.policy.CheckPolicyTasklet;

/**
 * The {@value #JOB_NAME} job: one JobInstance per table (see {@link TableJobParameters}), one
 * step per phase of the migration.
 */
@Configuration(proxyBeanMethods = false)
public class MigrationJobConfiguration {

	public static final String JOB_NAME = "migrateTable";

	@Bean
	public Job migrateTable(JobRepository jobRepository, Step checkPolicy, Step planPartitions,
			StepOutcomeListener stepOutcomeListener) {
		return new JobBuilder(JOB_NAME, jobRepository).start(checkPolicy)
			.on(CheckPolicyTasklet.ALREADY_MIGRATED.getExitCode())
			.end()
			.from(checkPolicy)
			.on(ExitStatus.COMPLETED.getExitCode())
			.to(planPartitions)
			.from(checkPolicy)
			.on("*")
			.fail()
			.end()
			.build();
	}

	@Bean
	public Step checkPolicy(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			ClickHouseCatalog catalog, StepOutcomeListener stepOutcomeListener) {
		return new StepBuilder("checkPolicy", jobRepository).tasklet(new CheckPolicyTasklet(catalog), transactionManager)
			.listener(stepOutcomeListener)
			.build();
	}

	@Bean
	public Step planPartitions(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			ClickHouseCatalog catalog, StepOutcomeListener stepOutcomeListener) {
		return new StepBuilder("planPartitions", jobRepository)
			.tasklet(new PlanPartitionsTasklet(catalog), transactionManager)
			.listener(stepOutcomeListener)
			.build();
	}

	@Bean
	public StepOutcomeListener stepOutcomeListener() {
		return new StepOutcomeListener();
	}

}
