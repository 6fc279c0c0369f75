package dev.grid.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One copy of a blob sent to another node while the writing node stores its own: the sending side
 * of a {@link BlobReceiver} session. The session is opened by a call over the cluster, which
 * answers where to stream and with what token; the chunks then go over a connection of their own to
 * the receiver's {@link BlobStreamServer}, each with its CRC32C, written in order on the sending
 * executor so the put's thread goes on hashing and writing the local copy. At most {@link #WINDOW}
 * chunks are queued or being written at a time, so a slow receiver slows the put instead of filling
 * memory. Once anything fails the push is given up (the receiver is told, and deletes its temp
 * file), and the put copies to another node by a pull instead. Used by one thread, the put's.
 */
final class BlobPush {
  /** Chunks queued or being written, per receiver. */
  static final int WINDOW = 4;

  /**
   * The longest wait to connect to a receiver: on loopback or a LAN a connection takes
   * milliseconds, and a port a firewall drops should cost a put little before it falls back to a
   * pull.
   */
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(BlobPush.class);

  private final BlobPeers peers;
  private final String target;
  private final String session = UUID.randomUUID().toString();
  private final String key;
  private final Duration callTimeout;
  private final Executor sending;
  private final ArrayDeque<CompletableFuture<Void>> unanswered = new ArrayDeque<>();
  private CompletableFuture<Void> lastWrite = CompletableFuture.completedFuture(null);
  private Socket socket;
  private OutputStream out;
  private CompletableFuture<StoredBlob> finished;
  private RuntimeException failure;

  private BlobPush(
      BlobPeers peers, String target, String key, Duration callTimeout, Executor sending) {
    this.peers = peers;
    this.target = target;
    this.key = key;
    this.callTimeout = callTimeout;
    this.sending = sending;
  }

  /**
   * Opens a receive session on each target at once, then connects to each; the pushes that could
   * not start are already failed.
   */
  static List<BlobPush> open(
      BlobPeers peers, List<String> targets, String key, Duration callTimeout, Executor sending) {
    List<BlobPush> pushes = new ArrayList<>();
    List<CompletableFuture<BlobReceiver.PushTicket>> opened = new ArrayList<>();
    for (String target : targets) {
      BlobPush push = new BlobPush(peers, target, key, callTimeout, sending);
      pushes.add(push);
      opened.add(peers.call(target, new BlobTasks.OpenPush(push.session, key, peers.self())));
    }
    for (int i = 0; i < pushes.size(); i++) {
      try {
        pushes.get(i).connect(BlobPeers.await(opened.get(i), callTimeout));
      } catch (RuntimeException e) {
        pushes.get(i).fail(e);
      }
    }
    return pushes;
  }

  private void connect(BlobReceiver.PushTicket ticket) {
    try {
      socket = new Socket();
      socket.connect(
          new InetSocketAddress(ticket.host(), ticket.port()),
          (int) Math.min(CONNECT_TIMEOUT.toMillis(), callTimeout.toMillis()));
      out = socket.getOutputStream();
      BlobStreamServer.writeHeader(out, session, ticket.token());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "streaming to node "
              + target
              + " at "
              + ticket.host()
              + ":"
              + ticket.port()
              + " failed: "
              + e.getMessage(),
          e);
    }
  }

  String target() {
    return target;
  }

  boolean failed() {
    return failure != null;
  }

  /**
   * Queues chunk {@code seq} for writing; first waits for the oldest write if the window is full.
   * The chunk must not change after.
   */
  void send(long seq, byte[] chunk, int crc32c) {
    while (!failed() && unanswered.size() >= WINDOW) {
      awaitOldest();
    }
    if (!failed()) {
      write(ByteBuffer.allocate(8).putInt(chunk.length).putInt(crc32c).array(), chunk);
    }
  }

  /** Ends the stream, waits for every write, then asks the receiver to commit its copy. */
  void finish(long chunks, long size, String sha256) {
    if (!failed()) {
      write(new byte[4], null); // length 0: the end
    }
    while (!failed() && !unanswered.isEmpty()) {
      awaitOldest();
    }
    if (!failed()) {
      finished = peers.call(target, new BlobTasks.FinishPush(session, chunks, size, sha256));
    }
  }

  private void write(byte[] head, byte[] chunk) {
    lastWrite =
        lastWrite.thenRunAsync(
            () -> {
              try {
                out.write(head);
                if (chunk != null) {
                  out.write(chunk);
                }
              } catch (IOException e) {
                throw new UncheckedIOException(
                    "streaming to node " + target + " failed: " + e.getMessage(), e);
              }
            },
            sending);
    unanswered.add(lastWrite);
  }

  /**
   * Waits for the receiver's commit; its copy, which has the SHA-256 sent. Throws what went wrong
   * if the push failed.
   */
  StoredBlob await(Duration timeout) {
    if (!failed()) {
      if (finished == null) {
        throw new IllegalStateException(
            "the push of blob '" + key + "' to node " + target + " was not finished");
      }
      try {
        return BlobPeers.await(finished, timeout);
      } catch (RuntimeException e) {
        fail(e);
      } finally {
        closeSocket();
      }
    }
    throw failure;
  }

  /** Gives the push up (the put failed); the receiver deletes what it has. */
  void abort() {
    if (!failed()) {
      end(new IllegalStateException("the put was given up"));
    }
  }

  private void awaitOldest() {
    try {
      BlobPeers.await(unanswered.poll(), callTimeout);
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private void fail(RuntimeException why) {
    LOG.warn(
        "pushing blob '{}' to node {} failed, another node will pull a copy instead: {}",
        key,
        target,
        why.toString());
    end(why);
  }

  /** Marks the push failed and tells the receiver to delete what it has. */
  private void end(RuntimeException why) {
    failure = why;
    closeSocket(); // a write blocked on it fails at once
    unanswered.clear();
    peers.call(target, new BlobTasks.AbortPush(session)).exceptionally(e -> false);
  }

  private void closeSocket() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
