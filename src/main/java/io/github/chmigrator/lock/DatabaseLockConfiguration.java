package io.github.chmigrator.lock;

import java.time.Duration;

import javax.sql.DataSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The table lock in the JobRepository's database ({@link DatabaseLocks}), with {@code lock.database}
 * {@code true}, or {@code auto} (the default) and a JobRepository other than the embedded H2 one:
 * that is the one runs on several hosts can share.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(DatabaseLockConfiguration.SharedJobRepository.class)
public class DatabaseLockConfiguration {

	@Bean
	public DefaultLockRepository lockRepository(DataSource dataSource, PlatformTransactionManager transactionManager,
			@Value("${lock.timeout:2m}") Duration timeout) {
		DatabaseLocks.createSchema(dataSource);
		DefaultLockRepository repository = new DefaultLockRepository(dataSource);
		repository.setTransactionManager(transactionManager);
		repository.setTimeToLive((int) timeout.toMillis());
		return repository;
	}

	@Bean
	public DatabaseLocks databaseLocks(DefaultLockRepository lockRepository, @Value("${lock.timeout:2m}") Duration timeout,
			@Value("${lock.heartbeat:10s}") Duration heartbeat) {
		return new DatabaseLocks(lockRepository, timeout, TableLocks.heartbeat(timeout, heartbeat));
	}

	/** {@code lock.database}: {@code true}, {@code false}, or {@code auto}: on unless the JobRepository is H2. */
	static class SharedJobRepository implements Condition {

		@Override
		public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
			String setting = context.getEnvironment().getProperty("lock.database", "auto");
			String url = context.getEnvironment().getProperty("spring.datasource.url", "");
			return setting.equals("true") || (setting.equals("auto") && !url.startsWith("jdbc:h2:"));
		}

	}

}
