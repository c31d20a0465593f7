package io.github.chmigrator.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.beans.factory.DisposableBean;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import io.github.chmigrator.migration.TableJobParameters;

/**
 * SIGTERM or Ctrl-C (SIGINT) while tables migrate: every job this process runs is asked to stop.
 * Spring Batch stops a step between two of its calls, so the partition phase in flight (a copy, a
 * drop) completes and is recorded first; the jobs end {@code STOPPED}, release their table locks
 * and write their reports, no further table is started, and the process exits with code 5
 * ({@code ExitCodes.STOPPED}): the same command resumes. {@code --stop ID} from another process
 * stops a run the same way, through the JobRepository. A second signal exits at once (the next run recovers the jobs left
 * {@code STARTED}). The signals are handled before the JVM starts shutting down, so the
 * JobRepository is still open to record the stop.
 */
public class GracefulStop implements JobExecutionListener, DisposableBean {

	private static final Logger logger = LoggerFactory.getLogger(GracefulStop.class);

	private static final List<String> SIGNALS = List.of("TERM", "INT");

	private final JobOperator jobOperator;

	private final Set<JobExecution> running = ConcurrentHashMap.newKeySet();

	private final AtomicInteger signals = new AtomicInteger();

	private final List<Runnable> restore = new ArrayList<>();

	public GracefulStop(JobOperator jobOperator) {
		this.jobOperator = jobOperator;
		for (String name : SIGNALS) {
			try {
				Signal signal = new Signal(name);
				SignalHandler previous = Signal.handle(signal, this::onSignal);
				this.restore.add(() -> Signal.handle(signal, previous));
			}
			catch (IllegalArgumentException ex) {
				logger.debug("Signal {} cannot be handled here: {}", name, ex.getMessage());
			}
		}
	}

	/** Whether a stop was requested: start no further table. */
	public boolean requested() {
		return this.signals.get() > 0;
	}

	@Override
	public void beforeJob(JobExecution execution) {
		this.running.add(execution);
	}

	@Override
	public void afterJob(JobExecution execution) {
		this.running.remove(execution);
	}

	private void onSignal(Signal signal) {
		if (this.signals.incrementAndGet() > 1 || this.running.isEmpty()) {
			logger.warn("SIG{} received{}: exiting now", signal.getName(),
					this.running.isEmpty() ? " with no migration running" : " again");
			new Thread(() -> System.exit(128 + signal.getNumber()), "exit").start();
			return;
		}
		logger.warn("SIG{} received: stopping {} running migration(s) after the partition phases in flight "
				+ "(send it again to exit at once)", signal.getName(), this.running.size());
		for (JobExecution execution : this.running) {
			try {
				this.jobOperator.stop(execution);
			}
			catch (Exception ex) {
				logger.warn("Table {}: cannot stop job execution {}: {}",
						TableJobParameters.of(execution.getJobParameters()).qualifiedTable(), execution.getId(), ex.getMessage());
			}
		}
	}

	/** Gives the signals back to whoever handled them before (another application in the same JVM). */
	@Override
	public void destroy() {
		this.restore.forEach(Runnable::run);
	}

}
