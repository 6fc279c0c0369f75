package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.grid.launch.FreePorts;
import dev.grid.scheduler.lease.LeaseTiming;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several Hazelcast members in this JVM electing a primary with the default lease time. */
class PrimaryLeaseClusterTest {
  private static final Duration FIRST_PRIMARY = Duration.ofSeconds(10);
  private static final Duration FAILOVER = Duration.ofSeconds(5);
  private static final Duration HANDOVER = LeaseSettings.DEFAULT_LEASE_TIME.dividedBy(2);
  private static final Duration STEADY = Duration.ofSeconds(2);

  @TempDir Path dir;
  private final String clusterName = "lease-" + UUID.randomUUID();
  private final List<GridMember> members = new CopyOnWriteArrayList<>();

  /** One member with its lease, and what its listener heard. */
  private record GridMember(
      String id, HazelcastInstance hz, PrimaryLease lease, List<String> heard, long startedNanos) {
    boolean isUp() {
      return hz.getLifecycleService().isRunning();
    }
  }

  @AfterEach
  void stopAll() {
    for (GridMember member : members) {
      member.lease.close();
    }
    for (GridMember member : members) {
      member.hz.getLifecycleService().terminate();
    }
  }

  @Test
  void when_three_members_run_then_exactly_one_is_primary_and_stays_so() {
    List<GridMember> grid = startGrid(freePorts(3));
    GridMember primary = awaitOnePrimary(grid, FIRST_PRIMARY);
    await()
        .during(STEADY)
        .atMost(STEADY.plusSeconds(2))
        .until(() -> primaries(grid).equals(List.of(primary)));
    long epoch = primary.lease.epoch();
    assertThat(primary.lease.holds(epoch)).isTrue();
    assertThat(primary.heard).containsExactly("primary " + epoch);
    for (GridMember member : grid) {
      assertThat(member.lease.knownPrimary()).contains(primary.id);
      assertThat(member.lease.highestEpochSeen()).isEqualTo(epoch);
      if (member != primary) {
        assertThat(member.lease.epoch()).isZero();
        assertThat(member.lease.holds(epoch)).isFalse();
      }
    }
  }

  @Test
  void when_the_primary_crashes_then_one_other_takes_over_with_a_higher_epoch_within_5_seconds() {
    List<GridMember> grid = startGrid(freePorts(3));
    GridMember old = awaitOnePrimary(grid, FIRST_PRIMARY);
    long oldEpoch = old.lease.epoch();
    long killed = System.nanoTime();
    old.hz.getLifecycleService().terminate(); // no goodbye: the others wait for the lease to end
    List<GridMember> survivors = grid.stream().filter(m -> m != old).toList();
    GridMember next = awaitOnePrimary(survivors, FAILOVER);
    System.out.printf(
        "failover after a crash took %d ms%n", (System.nanoTime() - killed) / 1_000_000);
    assertThat(next.lease.epoch()).isGreaterThan(oldEpoch);
    assertThat(old.lease.isPrimary()).isFalse();
    assertThat(old.heard).containsExactly("primary " + oldEpoch, "not primary " + oldEpoch);
    await()
        .during(STEADY)
        .atMost(STEADY.plusSeconds(2))
        .until(() -> primaries(survivors).equals(List.of(next)));
  }

  @Test
  void when_the_primary_closes_its_lease_then_another_takes_over_in_half_a_lease_time() {
    List<GridMember> grid = startGrid(freePorts(3));
    GridMember old = awaitOnePrimary(grid, FIRST_PRIMARY);
    awaitPastQuiet(grid);
    long oldEpoch = old.lease.epoch();
    long closed = System.nanoTime();
    old.lease.close();
    assertThat(old.lease.isPrimary()).isFalse();
    assertThat(old.heard).containsExactly("primary " + oldEpoch, "not primary " + oldEpoch);
    GridMember next = awaitOnePrimary(grid.stream().filter(m -> m != old).toList(), HANDOVER);
    System.out.printf(
        "handover after close took %d ms%n", (System.nanoTime() - closed) / 1_000_000);
    assertThat(next.lease.epoch()).isGreaterThan(oldEpoch);
    old.lease.close(); // idempotent
  }

  @Test
  void when_a_lone_node_starts_then_it_becomes_primary() {
    int port = freePorts(1).get(0);
    GridMember lone = start("127.0.0.1:" + port, List.of(), dir.resolve("lone"));
    assertThat(awaitOnePrimary(List.of(lone), FIRST_PRIMARY)).isSameAs(lone);
    assertThat(lone.lease.knownPrimary()).contains("127.0.0.1:" + port);
  }

  @Test
  void when_every_voter_restarts_with_its_data_then_the_next_epoch_is_higher_than_any_before() {
    List<Integer> ports = freePorts(3);
    List<GridMember> first = startGrid(ports);
    long before = awaitOnePrimary(first, FIRST_PRIMARY).lease.epoch();
    for (GridMember member : first) {
      member.lease.close();
      member.hz.getLifecycleService().terminate();
    }
    members.clear();
    List<GridMember> second = startGrid(ports);
    long after = awaitOnePrimary(second, FIRST_PRIMARY).lease.epoch();
    assertThat(after).isGreaterThan(before);
  }

  @Test
  void when_a_lease_is_closed_then_its_threads_are_gone() {
    Set<Thread> before = leaseThreads();
    int port = freePorts(1).get(0);
    GridMember lone = start("127.0.0.1:" + port, List.of(), dir.resolve("threads"));
    assertThat(leaseThreads()).hasSizeGreaterThan(before.size());
    lone.lease.close();
    // An executor counts as terminated a moment before its last thread has returned.
    await()
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(() -> assertThat(leaseThreads()).isSubsetOf(before));
  }

  private static Set<Thread> leaseThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("grid-lease") && t.isAlive())
        .collect(Collectors.toSet());
  }

  private List<GridMember> startGrid(List<Integer> ports) {
    List<String> voters = ports.stream().map(p -> "127.0.0.1:" + p).toList();
    List<GridMember> grid = new ArrayList<>();
    for (int i = 0; i < voters.size(); i++) {
      grid.add(start(voters.get(i), voters, dir.resolve("n" + i)));
    }
    return grid;
  }

  /**
   * Starts a member taking part in the election among {@code voters}. A member started while none
   * of the others runs lists only itself to join and forms the cluster at once (listing the others,
   * it asked their closed ports for a master for a second first); the members started after it list
   * every voter and join it.
   */
  private GridMember start(String self, List<String> voters, Path data) {
    int port = LeaseSettings.port(self);
    List<String> join = members.stream().anyMatch(GridMember::isUp) ? voters : List.of(self);
    ClusterSettings cluster =
        new ClusterSettings(
            clusterName, "n" + port, "127.0.0.1", port, join, 7, PrimaryLease.kryoClasses());
    HazelcastInstance hz = Hazelcast.newHazelcastInstance(cluster.toConfig());
    List<String> heard = new CopyOnWriteArrayList<>();
    PrimaryLease lease =
        PrimaryLease.start(
            hz,
            new LeaseSettings(self, voters, data),
            new PrimaryLease.Listener() {
              @Override
              public void onPrimary(long epoch) {
                heard.add("primary " + epoch);
              }

              @Override
              public void onNotPrimary(long epoch) {
                heard.add("not primary " + epoch);
              }
            });
    GridMember member = new GridMember(self, hz, lease, heard, System.nanoTime());
    members.add(member);
    return member;
  }

  private static GridMember awaitOnePrimary(List<GridMember> grid, Duration within) {
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> primaries(grid).size() == 1);
    return primaries(grid).get(0);
  }

  /**
   * Waits until every member is past the quiet a voter keeps after it starts (a lease time and a
   * bit): until then it answers no one, and the first primary can be elected by the two voters
   * started first while the third is still quiet. A handover then waits for the third, which on a
   * loaded machine started more than half a lease time after the second.
   */
  private static void awaitPastQuiet(List<GridMember> grid) {
    long quiet = LeaseTiming.of(LeaseSettings.DEFAULT_LEASE_TIME).quietNanos();
    long last = grid.stream().mapToLong(GridMember::startedNanos).max().orElseThrow();
    await()
        .atMost(FIRST_PRIMARY)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> System.nanoTime() - last > quiet);
  }

  private static List<GridMember> primaries(List<GridMember> grid) {
    return grid.stream().filter(m -> m.lease.isPrimary()).toList();
  }

  /** Free ports for members: see {@link FreePorts}. */
  static List<Integer> freePorts(int count) {
    return FreePorts.pick(count);
  }
}
