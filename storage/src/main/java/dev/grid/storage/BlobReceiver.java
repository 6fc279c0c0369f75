package dev.grid.storage;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
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
 * sending side): one receive session per push, writing into a temp file of this node's {@link
 * LocalDiskStore} as the chunks arrive, committed (fsync, rename) when the sender says it is
 * finished and every chunk has come.
 *
 * <p>Integrity, end to end without hashing twice: the sender takes a CRC32C of each chunk from
 * the same bytes it feeds its SHA-256, the receiver checks each chunk against it on arrival and
 * appends the chunks strictly in sequence, and the finish checks the count and size. So the copy
 * holds the bytes the sender hashed, and the sender's SHA-256 goes into its trailer instead of
 * being computed again (a scrub, or a read through {@link DiskBlobFormat}'s chunk CRCs, checks
 * the file later as for any copy).
 *
 * <p>Concurrency: the chunks of one session come on several executor threads, so they may arrive
 * out of order. Each session is its own lock; the thread that brings the next chunk in sequence
 * appends it, then any that came early. The sender keeps at most {@link BlobPush#WINDOW} chunks
 * unanswered, so few wait here, and a chunk too far ahead is refused. A session ends exactly once:
 * committed, aborted by its sender, aborted on a bad chunk, or dropped because its sender left the
 * cluster or sent nothing for the idle timeout. Whatever ends it uncommitted deletes its temp
 * file; a chunk or finish for a session that has ended (or never began) fails, and the sender
 * then falls back to the pull of a copy ({@link BlobTasks.PullCopy}).
 */
final class BlobReceiver implements AutoCloseable {
  /** Chunks a session holds that came before the next in sequence; more is a sender's bug. */
  static final int MAX_EARLY = 2 * BlobPush.WINDOW;

  private static final Logger LOG = LoggerFactory.getLogger(BlobReceiver.class);

  private final LocalDiskStore disk;
  private final String node;
  private final Duration idleTimeout;
  private final Clock clock;
  private final HazelcastInstance hz;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final ScheduledExecutorService sweeper;
  private final UUID membershipListener;
  private final AtomicBoolean closed = new AtomicBoolean();

  BlobReceiver(HazelcastInstance hz, String node, LocalDiskStore disk, Duration idleTimeout,
      Clock clock) {
    this.hz = hz;
    this.node = node;
    this.disk = disk;
    this.idleTimeout = idleTimeout;
    this.clock = clock;
    this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "grid-blob-receive-sweep-" + node);
      t.setDaemon(true);
      return t;
    });
    long every = Math.max(50, Math.min(5_000, idleTimeout.toMillis() / 4));
    sweeper.scheduleWithFixedDelay(this::sweepQuietly, every, every, TimeUnit.MILLISECONDS);
    this.membershipListener = hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {}

      @Override
      public void memberRemoved(MembershipEvent event) {
        senderLeft(BlobPeers.nameOf(event.getMember()));
      }
    });
  }

  /** Begins a session: a temp file for the key, to be filled by chunks from {@code sender}. */
  void open(String session, String key, String sender) {
    checkOpen();
    Session started = new Session(session, sender, disk.beginChecked(key));
    if (sessions.putIfAbsent(session, started) != null) {
      started.end("a session with its id was open already");
      throw new IllegalStateException("receive session " + session + " on node " + node
          + " is open already");
    }
  }

  /** Takes chunk {@code seq} (from 0) of the session, checked against the sender's CRC32C. */
  void chunk(String session, long seq, byte[] bytes, int crc32c) {
    Session found = find(session);
    if (DiskBlobFormat.crc32c(bytes, bytes.length) != crc32c) {
      found.fail("chunk " + seq + " arrived with another CRC32C than it was sent with");
    }
    found.accept(seq, bytes);
  }

  /**
   * Commits the session's copy once it has exactly {@code chunks} chunks, {@code size} bytes and
   * the SHA-256 the sender computed; fails otherwise, keeping nothing.
   */
  StoredBlob finish(String session, long chunks, long size, String sha256) {
    if (sha256 == null || !StoredBlob.HEX_SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException("SHA-256 '" + sha256 + "' sent to finish receive"
          + " session " + session + " is not 64 lowercase hex digits");
    }
    return find(session).finish(chunks, size, sha256);
  }

  /** Ends the session, deleting its temp file; false if it had ended already. */
  boolean abort(String session) {
    Session found = sessions.get(session);
    return found != null && found.end("its sender gave it up");
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
      throw new IllegalStateException("node " + node + " has no receive session " + session
          + " (it ended: aborted, timed out, or its sender left)");
    }
    return found;
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the blob store of node " + node + " is closed");
    }
  }

  /** Ends every session, deleting their temp files, and stops the sweeper. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      sweeper.shutdownNow();
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
    private final DiskBlobWriter.Incoming file;
    private final TreeMap<Long, byte[]> early = new TreeMap<>();
    private long next;
    private long idleSince;
    private boolean ended;

    Session(String id, String sender, DiskBlobWriter.Incoming file) {
      this.id = id;
      this.sender = sender;
      this.file = file;
      this.idleSince = clock.millis();
    }

    synchronized long idleSince() {
      return idleSince;
    }

    synchronized void accept(long seq, byte[] bytes) {
      checkLive();
      if (seq < next || early.containsKey(seq) || seq >= next + MAX_EARLY) {
        fail("chunk " + seq + " is out of the window (next " + next + ", " + early.size()
            + " early)");
      }
      idleSince = clock.millis();
      early.put(seq, bytes);
      try {
        for (byte[] b; (b = early.remove(next)) != null; next++) {
          file.append(b, 0, b.length);
        }
      } catch (RuntimeException e) {
        end("writing it failed: " + e.getMessage());
        throw e;
      }
    }

    synchronized StoredBlob finish(long chunks, long size, String sha256) {
      checkLive();
      if (next != chunks || !early.isEmpty() || file.size() != size) {
        fail("it has " + next + " chunks in order (" + early.size() + " more early) and "
            + file.size() + " bytes; the sender sent " + chunks + " chunks, " + size + " bytes");
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
      throw new BlobCorruptedException(file.key(), "the copy pushed to node " + node
          + " is given up: " + why);
    }

    private void checkLive() {
      if (ended) {
        throw new IllegalStateException("receive session " + id + " on node " + node
            + " has ended");
      }
    }

    /** Ends the session uncommitted unless it has ended; true if this call ended it. */
    synchronized boolean end(String why) {
      sessions.remove(id, this);
      if (ended) {
        return false;
      }
      ended = true;
      early.clear();
      file.close();
      LOG.info("receiving a copy of blob '{}' from node {} on node {} ended: {}", file.key(),
          sender, node, why);
      return true;
    }
  }
}
