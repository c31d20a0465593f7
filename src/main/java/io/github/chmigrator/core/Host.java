package io.github.chmigrator.core;

import java.io.IOException;
import java.net.InetAddress;

/** This machine's name, looked up once (for the status file and the hooks). */
public final class Host {

	private static final String NAME = lookUp();

	private Host() {
	}

	public static String name() {
		return NAME;
	}

	private static String lookUp() {
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (IOException ex) {
			return "unknown";
		}
	}

}
