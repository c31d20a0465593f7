package io.github.chmigrator.lock;

import java.time.Instant;

/**
 * The run that holds a table lock, as written in its lock file.
 *
 * @param pid the process id of the run
 * @param host the host name the run started on
 * @param startedAt when the run took the lock
 */
public record LockOwner(long pid, String host, Instant startedAt) {

	@Override
	public String toString() {
		return "pid " + this.pid + " on " + this.host + " since " + this.startedAt;
	}

}
