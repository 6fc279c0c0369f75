package dev.grid.storage;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The other nodes' disks, as this node reaches them: node names from the members' {@link
 * ReplicatedBlobStore#NODE_ATTRIBUTE}, and calls carried by two Hazelcast executors. Short calls
 * (a chunk, a drop, an inventory) never wait on a third node; copies, which pull chunks from
 * another node, run on an executor of their own, so a pool full of copies cannot starve the chunk
 * reads they wait for.
 */
final class BlobPeers {
  static final String IO_EXECUTOR = "grid-blob-io";
  static final String COPY_EXECUTOR = "grid-blob-copy";

  private final HazelcastInstance hz;
  private final String self;
  private final IExecutorService io;
  private final IExecutorService copy;

  BlobPeers(HazelcastInstance hz, String self) {
    this.hz = hz;
    this.self = self;
    this.io = hz.getExecutorService(IO_EXECUTOR);
    this.copy = hz.getExecutorService(COPY_EXECUTOR);
  }

  static void configure(Config config) {
    config.getExecutorConfig(IO_EXECUTOR).setPoolSize(4).setStatisticsEnabled(false);
    config.getExecutorConfig(COPY_EXECUTOR).setPoolSize(4).setStatisticsEnabled(false);
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

  /** Whether this node is the oldest member, the one that coordinates repairs. */
  boolean coordinates() {
    return hz.getCluster().getMembers().iterator().next().localMember();
  }

  /** Sends a short call to the node; a missing node fails the future at once. */
  <T> CompletableFuture<T> call(String node, BlobTasks.Task<T> task) {
    return submit(io, node, task);
  }

  /** Sends a copy to the node that is to receive it. */
  <T> CompletableFuture<T> copy(String node, BlobTasks.Task<T> task) {
    return submit(copy, node, task);
  }

  private <T> CompletableFuture<T> submit(IExecutorService executor, String node,
      BlobTasks.Task<T> task) {
    Member member = live().get(node);
    if (member == null) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("node '" + node + "' is not in the cluster"));
    }
    try {
      Future<T> future = executor.submitToMember(task, member);
      return future instanceof CompletableFuture<T> cf
          ? cf : CompletableFuture.supplyAsync(() -> await(future, Duration.ofMinutes(10)));
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

  /** Waits for each future; the failures, by index, with their messages. */
  static <T> List<Object> awaitAll(List<CompletableFuture<T>> futures, Duration timeout) {
    List<Object> results = new ArrayList<>(futures.size());
    for (CompletableFuture<T> f : futures) {
      try {
        results.add(await(f, timeout));
      } catch (RuntimeException e) {
        results.add(e);
      }
    }
    return results;
  }
}
