package dev.grid.scheduler;

import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.MapListener;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Hazelcast listeners of one service, registered once when the node starts and removed when it
 * stops, never on a change of role.
 *
 * <p>Why: adding or removing a map listener is a call to every member, and Hazelcast waits for each
 * without a bound while a member is cut off (it retries until the member is back or gone). A
 * primary that lost its lease in a partition spent 80 s removing its listeners, holding up its next
 * role change; a service that listens for good and ignores events while inactive makes no such call
 * when it matters. Removal at close is bounded: what is not removed in {@link #CLOSE_WAIT} goes
 * with the member.
 */
final class HazelcastListeners implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HazelcastListeners.class);
  static final long CLOSE_WAIT_MILLIS = 2000;

  private final String owner;
  private final List<Runnable> removals = new ArrayList<>();

  /** Listeners of the service named {@code owner} (for the log). */
  HazelcastListeners(String owner) {
    this.owner = owner;
  }

  /** Listens to every entry event of the map, values included. */
  synchronized void onEntries(IMap<?, ?> map, MapListener listener) {
    UUID id = map.addEntryListener(listener, true);
    removals.add(() -> map.removeEntryListener(id));
  }

  /** Listens to members joining and leaving the member's cluster. */
  synchronized void onMembers(HazelcastInstance hz, MembershipListener listener) {
    UUID id = hz.getCluster().addMembershipListener(listener);
    removals.add(() -> hz.getCluster().removeMembershipListener(id));
  }

  /** Removes every listener, waiting at most {@link #CLOSE_WAIT_MILLIS} in all. */
  @Override
  public synchronized void close() {
    if (removals.isEmpty()) {
      return;
    }
    List<Runnable> all = List.copyOf(removals);
    removals.clear();
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                all.forEach(Runnable::run);
                done.complete(null);
              } catch (RuntimeException e) {
                done.completeExceptionally(e);
              }
            },
            "grid-listeners-close-" + owner);
    t.setDaemon(true);
    t.start();
    try {
      done.get(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.info(
          "the {} listeners were not all removed within {} ms; they go with the member",
          owner,
          CLOSE_WAIT_MILLIS);
    } catch (ExecutionException e) {
      LOG.debug("removing the {} listeners failed (the member is stopping?)", owner, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
