package dev.grid.storage;

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
 * of a {@link BlobReceiver} session. Each chunk goes out as soon as it is read, with its CRC32C,
 * and at most {@link #WINDOW} chunks are unanswered at a time, so a slow receiver slows the put
 * instead of filling memory. Once a call fails the push is given up (the receiver is told, and
 * deletes its temp file), and the put copies to another node by a pull instead. Used by one
 * thread, the put's.
 */
final class BlobPush {
  /** Chunks sent and not yet answered, per receiver. */
  static final int WINDOW = 4;

  private static final Logger LOG = LoggerFactory.getLogger(BlobPush.class);

  private final BlobPeers peers;
  private final String target;
  private final String session = UUID.randomUUID().toString();
  private final String key;
  private final Duration callTimeout;
  private final Executor sending;
  private final ArrayDeque<CompletableFuture<Boolean>> unanswered = new ArrayDeque<>();
  private CompletableFuture<StoredBlob> finished;
  private RuntimeException failure;

  private BlobPush(BlobPeers peers, String target, String key, Duration callTimeout,
      Executor sending) {
    this.peers = peers;
    this.sending = sending;
    this.target = target;
    this.key = key;
    this.callTimeout = callTimeout;
  }

  /**
   * Opens a receive session on each target at once and waits for them (a chunk must not reach a
   * node before its session does); the pushes that could not start are already failed.
   */
  static List<BlobPush> open(BlobPeers peers, List<String> targets, String key,
      Duration callTimeout, Executor sending) {
    List<BlobPush> pushes = new ArrayList<>();
    List<CompletableFuture<Boolean>> opened = new ArrayList<>();
    for (String target : targets) {
      BlobPush push = new BlobPush(peers, target, key, callTimeout, sending);
      pushes.add(push);
      opened.add(peers.call(target, new BlobTasks.OpenPush(push.session, key, peers.self())));
    }
    for (int i = 0; i < pushes.size(); i++) {
      try {
        BlobPeers.await(opened.get(i), callTimeout);
      } catch (RuntimeException e) {
        pushes.get(i).fail(e);
      }
    }
    return pushes;
  }

  String target() {
    return target;
  }

  boolean failed() {
    return failure != null;
  }

  /**
   * Sends chunk {@code seq}; first waits for the oldest answer if the window is full. The call is
   * made (and the chunk serialized) on the sending executor, so the put's thread goes on hashing
   * and writing the local copy meanwhile. The chunk must not change after.
   */
  void send(long seq, byte[] chunk, int crc32c) {
    while (!failed() && unanswered.size() >= WINDOW) {
      awaitOldest();
    }
    if (!failed()) {
      BlobTasks.PushChunk call = new BlobTasks.PushChunk(session, seq, chunk, crc32c);
      unanswered.add(CompletableFuture.supplyAsync(() -> peers.call(target, call), sending)
          .thenCompose(answer -> answer));
    }
  }

  /** Waits for every chunk's answer, then asks the receiver to commit its copy. */
  void finish(long chunks, long size, String sha256) {
    while (!failed() && !unanswered.isEmpty()) {
      awaitOldest();
    }
    if (!failed()) {
      finished = peers.call(target, new BlobTasks.FinishPush(session, chunks, size, sha256));
    }
  }

  /**
   * Waits for the receiver's commit; its copy, which has the SHA-256 sent. Throws what went wrong
   * if the push failed.
   */
  StoredBlob await(Duration timeout) {
    if (!failed()) {
      if (finished == null) {
        throw new IllegalStateException("the push of blob '" + key + "' to node " + target
            + " was not finished");
      }
      try {
        return BlobPeers.await(finished, timeout);
      } catch (RuntimeException e) {
        fail(e);
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
    LOG.warn("pushing blob '{}' to node {} failed, another node will pull a copy instead: {}",
        key, target, why.toString());
    end(why);
  }

  /** Marks the push failed and tells the receiver to delete what it has. */
  private void end(RuntimeException why) {
    failure = why;
    unanswered.forEach(f -> f.cancel(true));
    unanswered.clear();
    peers.call(target, new BlobTasks.AbortPush(session)).exceptionally(e -> false);
  }
}
