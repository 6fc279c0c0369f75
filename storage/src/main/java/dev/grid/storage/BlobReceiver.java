package dev.grid.storage;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The copies other nodes push to this node while they write their own ({@link BlobPush} is the
 * sending side): one receive session per push, opened by a call over the cluster, fed by one
 * connection to this node's {@link BlobStreamServer}, writing into a temp file of this node's
 * {@link LocalDiskStore} as the chunks arrive, and committed (fsync, rename) by the sender's finish
 * call once the stream has ended with every chunk.
 *
 * <p>Integrity, end to end without hashing twice: the sender takes a CRC32C of each chunk from the
 * same bytes it feeds its SHA-256, the receiver checks each chunk against it on arrival and appends
 * the chunks strictly in sequence, and the finish checks the count and size. So the copy holds the
 * bytes the sender hashed, and the sender's SHA-256 goes into its trailer instead of being computed
 * again (a scrub checks the file later as for any copy).
 *
 * <p>Concurrency: a session is its own lock. Its chunks come from one stream thread, in order; the
 * finish call, on an executor thread, waits until that stream has ended. A session ends exactly
 * once: committed, aborted by its sender, aborted because its stream broke or a chunk was bad, or
 * dropped because its sender left the cluster or sent nothing for the idle timeout. Whatever ends
 * it uncommitted deletes its temp file; a stream or finish for a session that has ended (or never
 * began) fails, and the sender then falls back to the pull of a copy ({@link BlobTasks.PullCopy}).
 */
final class BlobReceiver implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BlobReceiver.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final LocalDiskStore disk;
  private final String node;
  private final Duration idleTimeout;
  private final Clock clock;
  private final HazelcastInstance hz;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final ScheduledExecutorService sweeper;
  private final UUID membershipListener;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile BlobStreamServer streams;

  BlobReceiver(
      HazelcastInstance hz, String node, LocalDiskStore disk, Duration idleTimeout, Clock clock) {
    this.hz = hz;
    this.node = node;
    this.disk = disk;
    this.idleTimeout = idleTimeout;
    this.clock = clock;
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "grid-blob-receive-sweep-" + node);
              t.setDaemon(true);
              return t;
            });
    long every = Math.max(50, Math.min(5_000, idleTimeout.toMillis() / 4));
    sweeper.scheduleWithFixedDelay(this::sweepQuietly, every, every, TimeUnit.MILLISECONDS);
    this.membershipListener =
        hz.getCluster()
            .addMembershipListener(
                new MembershipListener() {
                  @Override
                  public void memberAdded(MembershipEvent event) {}

                  @Override
                  public void memberRemoved(MembershipEvent event) {
                    senderLeft(BlobPeers.nameOf(event.getMember()));
                  }
                });
  }

  /**
   * Begins a session: a temp file for the key, to be filled by one stream from {@code sender};
   * where to connect and the token that stream must present.
   */
  PushTicket open(String session, String key, String sender) {
    checkOpen();
    BlobStreamServer server = streams;
    if (server == null) {
      throw new IllegalStateException("node " + node + " takes no blob streams");
    }
    byte[] token = new byte[BlobStreamServer.TOKEN_BYTES];
    RANDOM.nextBytes(token);
    Session started = new Session(session, sender, token, disk.beginChecked(key));
    if (sessions.putIfAbsent(session, started) != null) {
      started.end("a session with its id was open already");
      throw new IllegalStateException(
          "receive session " + session + " on node " + node + " is open already");
    }
    InetSocketAddress at = server.address();
    return new PushTicket(at.getAddress().getHostAddress(), at.getPort(), token);
  }

  /** Where and with what token a sender streams into a session it opened. */
  record PushTicket(String host, int port, byte[] token) implements Serializable {}

  /**
   * Binds a stream to its session if the token is the session's; once per session. Ending the
   * session closes {@code stream}, so a reader blocked on it stops at once.
   */
  void attach(String session, byte[] token, AutoCloseable stream) {
    find(session).attach(token, stream);
  }

  /** Takes chunk {@code seq} (from 0) of the session, checked against the sender's CRC32C. */
  void chunk(String session, long seq, byte[] bytes, int crc32c) {
    Session found = find(session);
    if (DiskBlobFormat.crc32c(bytes, bytes.length) != crc32c) {
      found.fail("chunk " + seq + " arrived with another CRC32C than it was sent with");
    }
    found.accept(seq, bytes);
  }

  /** The session's stream reached its end mark. */
  void streamEnded(String session) {
    find(session).streamEnded();
  }

  /**
   * Commits the session's copy once it has exactly {@code chunks} chunks, {@code size} bytes and
   * the SHA-256 the sender computed; fails otherwise, keeping nothing.
   */
  StoredBlob finish(String session, long chunks, long size, String sha256) {
    if (sha256 == null || !StoredBlob.HEX_SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException(
          "SHA-256 '"
              + sha256
              + "' sent to finish receive"
              + " session "
              + session
              + " is not 64 lowercase hex digits");
    }
    return find(session).finish(chunks, size, sha256, idleTimeout);
  }

  /** Ends the session, deleting its temp file; false if it had ended already. */
  boolean abort(String session, String why) {
    Session found = sessions.get(session);
    return found != null && found.end(why);
  }

  /** Sessions open now (for tests and logs). */
  int openSessions() {
    return sessions.size();
  }

  /** Ends the sessions that have had no chunk for the idle timeout; how many. */
  int sweep() {
    long before = clock.millis() - idleTimeout.toMillis();
    int ended = 0;
    for (Session s : sessions.values()) {
      if (s.idleSince() < before && s.end("nothing came for " + idleTimeout)) {
        ended++;
      }
    }
    return ended;
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (RuntimeException e) {
      LOG.warn("ending idle receive sessions on node {} failed", node, e);
    }
  }

  private void senderLeft(String sender) {
    for (Session s : sessions.values()) {
      if (s.sender.equals(sender)) {
        s.end("its sender " + sender + " left the cluster");
      }
    }
  }

  private Session find(String session) {
    checkOpen();
    Session found = sessions.get(session);
    if (found == null) {
      throw new IllegalStateException(
          "node "
              + node
              + " has no receive session "
              + session
              + " (it ended: aborted, timed out, or its sender left)");
    }
    return found;
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the blob store of node " + node + " is closed");
    }
  }

  /**
   * Listens for streams on the member's own address and the given port (0: one the OS picks); until
   * then (or if that fails) pushes to this node fail at their open and their senders fall back to a
   * pull.
   */
  void listen(InetAddress address, int port) {
    streams = new BlobStreamServer(node, address, port, this, idleTimeout);
  }

  /** The stream listener, once {@link #listen} has started it; for tests. */
  BlobStreamServer streams() {
    return streams;
  }

  /** Ends every session, deleting their temp files, and stops listening. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      sweeper.shutdownNow();
      if (streams != null) {
        streams.close();
      }
      try {
        hz.getCluster().removeMembershipListener(membershipListener);
      } catch (RuntimeException e) { // the member is gone already
        LOG.debug("removing the receive listener of node {} failed", node, e);
      }
      sessions.values().forEach(s -> s.end("the store of node " + node + " closed"));
    }
  }

  /** One push being received. Every method holds the session's lock. */
  private final class Session {
    private final String id;
    private final String sender;
    private final byte[] token;
    private final DiskBlobWriter.Incoming file;
    private boolean attached;
    private AutoCloseable stream;
    private boolean streamEnded;
    private long next;
    private long idleSince;
    private boolean ended;

    Session(String id, String sender, byte[] token, DiskBlobWriter.Incoming file) {
      this.id = id;
      this.sender = sender;
      this.token = token;
      this.file = file;
      this.idleSince = clock.millis();
    }

    synchronized long idleSince() {
      return idleSince;
    }

    synchronized void attach(byte[] presented, AutoCloseable connection) {
      checkLive();
      if (attached || !MessageDigest.isEqual(token, presented)) {
        // Not end(): a stranger guessing must not be able to break a real push.
        throw new IllegalStateException(
            "a stream into receive session "
                + id
                + " on node "
                + node
                + " was refused: "
                + (attached ? "it has its stream" : "wrong token"));
      }
      attached = true;
      stream = connection;
    }

    synchronized void accept(long seq, byte[] bytes) {
      checkLive();
      if (!attached || streamEnded || seq != next) {
        fail("chunk " + seq + " came out of sequence (next " + next + ")");
      }
      idleSince = clock.millis();
      try {
        file.append(bytes, 0, bytes.length);
      } catch (RuntimeException e) {
        end("writing it failed: " + e.getMessage());
        throw e;
      }
      next++;
    }

    synchronized void streamEnded() {
      checkLive();
      streamEnded = true;
      notifyAll();
    }

    /** Waits (up to the timeout) for the stream to end, then commits if all is there. */
    synchronized StoredBlob finish(long chunks, long size, String sha256, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      try {
        while (!ended && !streamEnded && System.nanoTime() < deadline) {
          TimeUnit.NANOSECONDS.timedWait(this, deadline - System.nanoTime());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        end("interrupted while waiting for its stream");
      }
      checkLive();
      if (!streamEnded || next != chunks || file.size() != size) {
        fail(
            "it has "
                + next
                + " chunks and "
                + file.size()
                + " bytes"
                + (streamEnded ? "" : " and its stream has not ended")
                + "; the sender sent "
                + chunks
                + " chunks, "
                + size
                + " bytes");
      }
      sessions.remove(id, this);
      ended = true;
      // The sender's SHA-256 goes into the trailer: every chunk was checked against the CRC32C
      // the sender took of the very bytes it hashed, and they were appended in order.
      return file.commit(sha256);
    }

    /** Ends the session and throws, naming what was wrong. */
    private void fail(String why) {
      end(why);
      throw new BlobCorruptedException(
          file.key(), "the copy pushed to node " + node + " is given up: " + why);
    }

    private void checkLive() {
      if (ended) {
        throw new IllegalStateException(
            "receive session " + id + " on node " + node + " has ended");
      }
    }

    /** Ends the session uncommitted unless it has ended; true if this call ended it. */
    synchronized boolean end(String why) {
      sessions.remove(id, this);
      if (ended) {
        return false;
      }
      ended = true;
      notifyAll();
      file.close();
      if (stream != null) {
        try {
          stream.close();
        } catch (Exception e) {
          // its reader stops either way
        }
      }
      LOG.info(
          "receiving a copy of blob '{}' from node {} on node {} ended: {}",
          file.key(),
          sender,
          node,
          why);
      return true;
    }
  }
}
