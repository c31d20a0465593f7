package io.github.chmigrator.clickhouse;

import java.io.IOException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Classifies what the driver throws: server error codes, network failures, authentication. */
public final class ClickHouseErrors {

	/** UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, AUTHENTICATION_FAILED. */
	private static final Set<Integer> AUTHENTICATION = Set.of(192, 193, 194, 516);

	/** SOCKET_TIMEOUT, NETWORK_ERROR, ALL_CONNECTION_TRIES_FAILED. */
	private static final Set<Integer> NETWORK = Set.of(209, 210, 279);

	private static final Pattern CODE = Pattern.compile("Code: (\\d+)\\.");

	private ClickHouseErrors() {
	}

	/** The ClickHouse error code carried by the exception or its causes, 0 when there is none. */
	public static int code(Throwable failure) {
		for (Throwable t = failure; t != null; t = t.getCause()) {
			if (t instanceof SQLException sql && sql.getErrorCode() > 0) {
				return sql.getErrorCode();
			}
			Matcher matcher = (t.getMessage() != null) ? CODE.matcher(t.getMessage()) : null;
			if (matcher != null && matcher.find()) {
				return Integer.parseInt(matcher.group(1));
			}
		}
		return 0;
	}

	public static boolean isAuthentication(Throwable failure) {
		return AUTHENTICATION.contains(code(failure));
	}

	/** Whether the failure is a network problem worth retrying (design §11.2). */
	public static boolean isTransient(Throwable failure) {
		if (NETWORK.contains(code(failure))) {
			return true;
		}
		for (Throwable t = failure; t != null; t = t.getCause()) {
			if (t instanceof IOException || t instanceof SQLTransientConnectionException) {
				return true;
			}
		}
		return false;
	}

	/** The first line of the innermost meaningful message, for one-line reports. */
	public static String summary(Throwable failure) {
		Throwable root = failure;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		if (root instanceof UnknownHostException) {
			return "unknown host " + root.getMessage();
		}
		String message = (failure.getMessage() != null && CODE.matcher(failure.getMessage()).find()) ? failure.getMessage()
				: (root.getMessage() != null) ? root.getMessage() : root.getClass().getSimpleName();
		int newline = message.indexOf('\n');
		return (newline < 0) ? message.strip() : message.substring(0, newline).strip();
	}

}
