package dev.grid.storage;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where other nodes stream the chunks of the copies they push here: a plain TCP listener on the
 * member's own address, on a port the OS picks (a sender learns it, with a one-time token, from the
 * {@link BlobTasks.OpenPush} call over the cluster). Why not Hazelcast calls: each 1 MiB chunk sent
 * as an executor call was serialized twice into buffers that grow from 32 KiB, which was about half
 * of a put's CPU (see docs/BENCHMARKS.md); a socket moves it with a kernel copy on each side.
 *
 * <p>Wire format, big-endian, one connection per push:
 *
 * <pre>
 *   header  magic "GBSP" (int), session id (UTF), token (16 bytes)
 *   frames  length (int, 1..MAX_FRAME), CRC32C of the bytes (int), the bytes
 *   end     length 0
 * </pre>
 *
 * <p>Security: only a cluster member can open a session and learn its token (128 random bits), and
 * a token works for one connection to one session; a connection whose header does not name an open
 * session with its token is closed, and nothing it sent is kept. So a stream is as trusted as the
 * cluster's own calls. Each connection is read by a thread of its own. A connection must send its
 * whole header within {@link #HEADER_TIMEOUT} of being accepted (it is closed then), and at most
 * {@link #MAX_HANDSHAKES} may be doing so at once (more are closed at once), apart from the at most
 * {@link #MAX_STREAMS} streams whose header named their session (more are refused, and their
 * senders fall back to a pull); a stream's reads have the copy timeout. So connections that send
 * nothing (a port scan, a stranger holding sockets open) tie up no stream: a sender with a session
 * still gets in, and the idle ones are dropped within seconds.
 */
final class BlobStreamServer implements AutoCloseable {
  static final int MAGIC = 0x47425350; // "GBSP"
  static final int TOKEN_BYTES = 16;
  static final int MAX_FRAME = 8 * 1024 * 1024;
  static final int MAX_STREAMS = 16;
  static final int MAX_HANDSHAKES = 64;
  static final Duration HEADER_TIMEOUT = Duration.ofSeconds(2);

  private static final Logger LOG = LoggerFactory.getLogger(BlobStreamServer.class);

  private final String node;
  private final BlobReceiver receiver;
  private final Duration readTimeout;
  private final ServerSocket listener;
  private final Thread acceptor;
  private final ThreadPoolExecutor readers;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Semaphore streams = new Semaphore(MAX_STREAMS);
  private final Semaphore handshakes = new Semaphore(MAX_HANDSHAKES);
  private final ScheduledExecutorService deadlines;
  private final AtomicLong streamed = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Listens on {@code address} (the member's own), on {@code port}; 0 lets the OS pick one.
   *
   * @throws UncheckedIOException if it cannot listen there
   */
  BlobStreamServer(
      String node, InetAddress address, int port, BlobReceiver receiver, Duration readTimeout) {
    this.node = node;
    this.receiver = receiver;
    this.readTimeout = readTimeout;
    try {
      this.listener = new ServerSocket();
      listener.bind(new InetSocketAddress(address, port), 50);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "node "
              + node
              + " cannot listen for blob streams on "
              + address.getHostAddress()
              + ":"
              + port
              + " ("
              + e.getMessage()
              + ")"
              + (port == 0 ? "" : ": pick another --blob-port or stop what uses it"),
          e);
    }
    AtomicInteger threads = new AtomicInteger();
    this.readers =
        new ThreadPoolExecutor(
            0,
            MAX_STREAMS + MAX_HANDSHAKES,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
              Thread t =
                  new Thread(r, "grid-blob-stream-" + node + "-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.deadlines =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "grid-blob-stream-deadline-" + node);
              t.setDaemon(true);
              return t;
            });
    this.acceptor = new Thread(this::acceptLoop, "grid-blob-stream-accept-" + node);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The address senders connect to. */
  InetSocketAddress address() {
    return (InetSocketAddress) listener.getLocalSocketAddress();
  }

  private void acceptLoop() {
    while (!closed.get()) {
      Socket socket;
      try {
        socket = listener.accept();
      } catch (IOException e) {
        if (!closed.get()) {
          LOG.warn("node {} stopped accepting blob streams: {}", node, e.toString());
        }
        return;
      }
      if (!handshakes.tryAcquire()) {
        LOG.info(
            "node {} refused a connection to its blob stream port from {}: {} are sending their"
                + " header already",
            node,
            socket.getRemoteSocketAddress(),
            MAX_HANDSHAKES);
        closeQuietly(socket);
        continue;
      }
      // The whole header must come within HEADER_TIMEOUT (a read timeout alone would let a byte
      // every second hold the connection for ever): past it, the socket is closed.
      ScheduledFuture<?> deadline =
          deadlines.schedule(
              () -> closeQuietly(socket), HEADER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      try {
        readers.execute(() -> serve(socket, deadline));
      } catch (RejectedExecutionException e) {
        deadline.cancel(false);
        handshakes.release();
        LOG.info(
            "node {} refused a connection to its blob stream port from {}: {} are open already",
            node,
            socket.getRemoteSocketAddress(),
            MAX_STREAMS + MAX_HANDSHAKES);
        closeQuietly(socket);
      }
    }
  }

  /** Reads one push: the header, then frames into the session until the end mark. */
  private void serve(Socket socket, ScheduledFuture<?> deadline) {
    String session = null;
    open.add(socket);
    boolean counted = false;
    boolean handshaking = true;
    try (socket) {
      socket.setSoTimeout((int) Math.min(readTimeout.toMillis(), HEADER_TIMEOUT.toMillis()));
      DataInputStream in =
          new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
      if (in.readInt() != MAGIC) {
        throw new IOException("it does not start as a blob stream");
      }
      String named = in.readUTF();
      byte[] token = in.readNBytes(TOKEN_BYTES);
      if (!deadline.cancel(false)) {
        throw new IOException(
            "its header did not come within " + HEADER_TIMEOUT.toMillis() + " ms");
      }
      handshakes.release();
      handshaking = false;
      counted = streams.tryAcquire();
      if (!counted) {
        throw new IOException(MAX_STREAMS + " streams are open already");
      }
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()));
      receiver.attach(named, token, socket);
      session = named; // from here on a failure ends the session
      for (long seq = 0; ; seq++) {
        int length = in.readInt();
        if (length == 0) {
          break;
        }
        if (length < 0 || length > MAX_FRAME) {
          throw new IOException("frame " + seq + " claims " + length + " bytes");
        }
        int crc32c = in.readInt();
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        receiver.chunk(session, seq, bytes, crc32c);
      }
      receiver.streamEnded(session);
      streamed.incrementAndGet();
    } catch (IOException | RuntimeException e) {
      if (session != null) {
        receiver.abort(session, "its stream broke: " + e);
      }
      if (!closed.get() && !(e instanceof SocketException)) {
        LOG.info(
            "blob stream into node {} from {} ended early: {}",
            node,
            socket.getRemoteSocketAddress(),
            e instanceof EOFException ? "it closed" : e);
      }
    } finally {
      open.remove(socket);
      if (handshaking) {
        deadline.cancel(false);
        handshakes.release();
      }
      if (counted) {
        streams.release();
      }
    }
  }

  /** How many streams have reached their end mark here. */
  long streamed() {
    return streamed.get();
  }

  /** Writes the header of a stream into a session; for the sending side. */
  static void writeHeader(OutputStream out, String session, byte[] token) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(MAGIC);
    data.writeUTF(session);
    data.write(token);
  }

  /** Stops listening and reading; open sessions are ended by the receiver. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      closeQuietly(listener);
      open.forEach(BlobStreamServer::closeQuietly); // a blocked read ends at once
      readers.shutdownNow();
      deadlines.shutdownNow();
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // closing anyway
    }
  }
}
