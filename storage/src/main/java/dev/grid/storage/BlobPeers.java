package dev.grid.storage;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The other nodes' disks, as this node reaches them: node names from the members' {@link
 * ReplicatedBlobStore#NODE_ATTRIBUTE}, and calls carried by three Hazelcast executors. Short calls
 * (a chunk, a drop, an inventory) never wait on a third node; copies, which pull chunks from
 * another node, run on an executor of their own, so a pool full of copies cannot starve the chunk
 * reads they wait for; a scrub (a whole disk re-read) has a one-thread executor of its own.
 */
final class BlobPeers {
  private static final Logger LOG = LoggerFactory.getLogger(BlobPeers.class);
  static final String IO_EXECUTOR = "grid-blob-io";
  static final String COPY_EXECUTOR = "grid-blob-copy";
  static final String SCRUB_EXECUTOR = "grid-blob-scrub";

  private final HazelcastInstance hz;
  private final String self;
  private final IExecutorService io;
  private final IExecutorService copy;
  private final IExecutorService scrub;

  BlobPeers(HazelcastInstance hz, String self) {
    this.hz = hz;
    this.self = self;
    this.io = hz.getExecutorService(IO_EXECUTOR);
    this.copy = hz.getExecutorService(COPY_EXECUTOR);
    this.scrub = hz.getExecutorService(SCRUB_EXECUTOR);
  }

  static void configure(Config config) {
    config.getExecutorConfig(IO_EXECUTOR).setPoolSize(4).setStatisticsEnabled(false);
    config.getExecutorConfig(COPY_EXECUTOR).setPoolSize(4).setStatisticsEnabled(false);
    config.getExecutorConfig(SCRUB_EXECUTOR).setPoolSize(1).setStatisticsEnabled(false);
  }

  String self() {
    return self;
  }

  /** The name a member goes by: its node-name attribute, else its UUID. */
  static String nameOf(Member member) {
    String name = member.getAttribute(ReplicatedBlobStore.NODE_ATTRIBUTE);
    return name != null ? name : member.getUuid().toString();
  }

  /** The live members by node name, sorted. */
  Map<String, Member> live() {
    Map<String, Member> members = new TreeMap<>();
    for (Member m : hz.getCluster().getMembers()) {
      members.put(nameOf(m), m);
    }
    return members;
  }

  /**
   * How many live members count towards a majority of the grid: those that vote for the primary
   * ({@link ReplicatedBlobStore#VOTER_ATTRIBUTE} with a value) where members say whether they do (a
   * worker carries it empty, so a side of workers alone counts 0), else every member.
   */
  int voting() {
    Set<Member> members = hz.getCluster().getMembers();
    boolean said = false;
    int voters = 0;
    for (Member m : members) {
      String voter = m.getAttribute(ReplicatedBlobStore.VOTER_ATTRIBUTE);
      said |= voter != null;
      voters += voter != null && !voter.isEmpty() ? 1 : 0;
    }
    return said ? voters : members.size();
  }

  /** Whether this node is the oldest member, the one that coordinates repairs. */
  boolean coordinates() {
    return hz.getCluster().getMembers().iterator().next().localMember();
  }

  /** Sends a short call to the node; a missing node fails the future at once. */
  <T> CompletableFuture<T> call(String node, BlobTasks.Task<T> task) {
    return submit(io, node, task);
  }

  /** Asks the node to re-read its whole disk (one at a time per node: it takes long). */
  <T> CompletableFuture<T> scrub(String node, BlobTasks.Task<T> task) {
    return submit(scrub, node, task);
  }

  /**
   * Asks every node for its inventory; a node that does not answer in time is left out (and
   * logged). Copies written within {@code graceMillis} and since {@code sinceMillis} are marked
   * recent.
   */
  Map<String, List<BlobTasks.InventoryEntry>> inventories(
      Set<String> nodes, long graceMillis, long sinceMillis, Duration timeout) {
    Map<String, CompletableFuture<ArrayList<BlobTasks.InventoryEntry>>> asked = new TreeMap<>();
    for (String node : nodes) {
      asked.put(node, call(node, new BlobTasks.Inventory(graceMillis, sinceMillis)));
    }
    Map<String, List<BlobTasks.InventoryEntry>> reported = new TreeMap<>();
    asked.forEach(
        (node, future) -> {
          try {
            reported.put(node, await(future, timeout));
          } catch (RuntimeException e) {
            LOG.info("node {} did not report its blobs: {}", node, e.getMessage());
          }
        });
    return reported;
  }

  /** Sends a copy to the node that is to receive it. */
  <T> CompletableFuture<T> copy(String node, BlobTasks.Task<T> task) {
    return submit(copy, node, task);
  }

  @SuppressWarnings("unchecked")
  private <T> CompletableFuture<T> submit(
      IExecutorService executor, String node, BlobTasks.Task<T> task) {
    try {
      Member member = live().get(node);
      if (member == null) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("node '" + node + "' is not in the cluster"));
      }
      // Hazelcast 5's executor futures are CompletableFutures (InvocationFuture).
      return (CompletableFuture<T>) executor.submitToMember(task, member);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Waits for the future, unwrapping the remote exception; a timeout becomes one too. */
  static <T> T await(Future<T> future, Duration timeout) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      while ((cause instanceof ExecutionException || cause instanceof CompletionException)
          && cause.getCause() != null) { // a call made on another thread, composed
        cause = cause.getCause();
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(cause.toString(), cause);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new IllegalStateException("no answer within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for another node", e);
    }
  }
}
