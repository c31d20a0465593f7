package io.github.chmigrator.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on {@code 127.0.0.1:<ephemeral port>} that forwards every connection to an upstream
 * {@code host:port} (two threads per connection, one per direction) and can play a network outage:
 * {@link #cut(Duration)} closes every open connection and, until the duration has passed (or
 * {@link #heal()} is called), accepts new connections only to close them at once, so a client sees
 * resets and unanswered requests, never a clean error from the server.
 */
public final class FlakyProxy implements AutoCloseable {

	private final String upstreamHost;

	private final int upstreamPort;

	private final ServerSocket server;

	private final Thread acceptor;

	private final Set<Link> open = ConcurrentHashMap.newKeySet();

	private final AtomicInteger accepted = new AtomicInteger();

	private final AtomicInteger dropped = new AtomicInteger();

	private final AtomicInteger refused = new AtomicInteger();

	/** {@link System#nanoTime()} until which the network is cut; guarded by {@code this}. */
	private long cutUntil;

	private boolean cut;

	private volatile boolean closed;

	public FlakyProxy(String upstreamHost, int upstreamPort) throws IOException {
		this.upstreamHost = upstreamHost;
		this.upstreamPort = upstreamPort;
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.acceptor = new Thread(this::acceptLoop, "flaky-proxy-accept-" + this.server.getLocalPort());
		this.acceptor.setDaemon(true);
		this.acceptor.start();
	}

	/** The address clients connect to: {@code 127.0.0.1}. */
	public String host() {
		return this.server.getInetAddress().getHostAddress();
	}

	public int port() {
		return this.server.getLocalPort();
	}

	/** Connections accepted and forwarded so far. */
	public int forwardedConnections() {
		return this.accepted.get();
	}

	/** Open connections the cuts closed. */
	public int droppedConnections() {
		return this.dropped.get();
	}

	/** Connections attempted during a cut (accepted and closed at once). */
	public int refusedConnections() {
		return this.refused.get();
	}

	/**
	 * Cuts the network for the given duration: closes every open connection now and refuses new
	 * ones until the duration has passed. Returns at once.
	 */
	public void cut(Duration duration) {
		synchronized (this) {
			this.cut = true;
			this.cutUntil = System.nanoTime() + duration.toNanos();
		}
		for (Link link : this.open) {
			if (this.open.remove(link)) {
				this.dropped.incrementAndGet();
				link.close();
			}
		}
	}

	/** Ends a cut now. */
	public synchronized void heal() {
		this.cut = false;
	}

	/** Whether new connections are refused now. */
	public synchronized boolean isCut() {
		if (this.cut && System.nanoTime() - this.cutUntil >= 0) {
			this.cut = false;
		}
		return this.cut;
	}

	private void acceptLoop() {
		while (!this.closed) {
			Socket client;
			try {
				client = this.server.accept();
			}
			catch (IOException ex) {
				return;
			}
			if (isCut()) {
				this.refused.incrementAndGet();
				closeQuietly(client);
				continue;
			}
			forward(client);
		}
	}

	private void forward(Socket client) {
		Socket upstream = new Socket();
		try {
			upstream.connect(new InetSocketAddress(this.upstreamHost, this.upstreamPort), 5000);
			client.setTcpNoDelay(true);
			upstream.setTcpNoDelay(true);
		}
		catch (IOException ex) {
			closeQuietly(client);
			closeQuietly(upstream);
			return;
		}
		Link link = new Link(client, upstream);
		this.open.add(link);
		// a cut that began while this connection was being set up must close it too
		if (isCut()) {
			this.open.remove(link);
			this.refused.incrementAndGet();
			link.close();
			return;
		}
		this.accepted.incrementAndGet();
		start(link, client, upstream, "up");
		start(link, upstream, client, "down");
	}

	private void start(Link link, Socket from, Socket to, String direction) {
		Thread pump = new Thread(() -> pump(link, from, to), "flaky-proxy-" + direction + "-" + link.client().getPort());
		pump.setDaemon(true);
		pump.start();
	}

	/** Copies one direction until either side closes, then closes both. */
	private void pump(Link link, Socket from, Socket to) {
		byte[] buffer = new byte[64 * 1024];
		try {
			InputStream in = from.getInputStream();
			OutputStream out = to.getOutputStream();
			for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
				out.write(buffer, 0, read);
				out.flush();
			}
		}
		catch (IOException ex) {
			// closed by the other pump, a cut or a peer: the connection is over
		}
		finally {
			this.open.remove(link);
			link.close();
		}
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			// already closed
		}
	}

	@Override
	public void close() throws IOException {
		this.closed = true;
		this.server.close();
		this.open.forEach(Link::close);
		try {
			this.acceptor.join(5000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** A forwarded connection: the client's socket and the one to the upstream server. */
	private record Link(Socket client, Socket upstream) {

		void close() {
			closeQuietly(this.client);
			closeQuietly(this.upstream);
		}

	}

}
