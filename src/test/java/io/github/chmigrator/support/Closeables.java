package io.github.chmigrator.support;

/** Closes the per-class fixtures of a test. */
public final class Closeables {

	private Closeables() {
	}

	/**
	 * Closes each resource in the given order, skipping the {@code null}s a failed
	 * {@code @BeforeAll} left (a fixture it did not get to create).
	 * @param resources the fixtures, each may be {@code null}
	 * @throws Exception the first failure to close, which ends it (like a row of close calls)
	 */
	public static void closeAll(AutoCloseable... resources) throws Exception {
		for (AutoCloseable resource : resources) {
			if (resource != null) {
				resource.close();
			}
		}
	}

}
