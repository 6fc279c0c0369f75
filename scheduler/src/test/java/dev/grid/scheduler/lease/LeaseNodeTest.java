package dev.grid.scheduler.lease;

import static dev.grid.scheduler.lease.LeaseMessage.NO_OWNER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.scheduler.lease.LeaseMessage.Prepare;
import dev.grid.scheduler.lease.LeaseMessage.PrepareReply;
import dev.grid.scheduler.lease.LeaseMessage.Propose;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LeaseNodeTest {
  private static final long T = ManualCluster.TIMING.leaseNanos();
  private static final Configuration V0 = Configuration.initial(3);

  @Test
  void when_three_nodes_start_then_one_becomes_primary_after_the_quiet_period() {
    ManualCluster cluster = new ManualCluster(3);
    cluster.advance(T / 2);
    assertThat(cluster.primaries()).as("voters are quiet after start").isEmpty();
    cluster.advance(2 * T);
    assertThat(cluster.primaries()).hasSize(1);
    int primary = cluster.primaries().get(0);
    for (LeaseNode node : cluster.nodes) {
      assertThat(node.knownLease()).get().extracting(KnownLease::owner).isEqualTo(primary);
    }
  }

  @Test
  void when_the_primary_keeps_renewing_then_its_epoch_stays_the_same() {
    ManualCluster cluster = new ManualCluster(3);
    cluster.advance(3 * T);
    int primary = cluster.primaries().get(0);
    long epoch = cluster.nodes[primary].epoch();
    cluster.advance(10 * T);
    assertThat(cluster.primaries()).containsExactly(primary);
    assertThat(cluster.nodes[primary].epoch()).isEqualTo(epoch);
    assertThat(cluster.roles).hasSize(1);
    assertThat(cluster.nodes[(primary + 1) % 3].highestEpochSeen()).isEqualTo(epoch);
  }

  @Test
  void when_a_candidate_raised_the_promises_then_the_owner_still_renews_above_it() {
    ManualCluster cluster = new ManualCluster(3);
    cluster.advance(3 * T);
    int owner = cluster.primaries().get(0);
    int other = (owner + 1) % 3;
    long epoch = cluster.nodes[owner].epoch();
    // A candidate that heard nothing of the lease prepares far above every ballot in use.
    long high = Ballot.of(1_000, other);
    for (LeaseNode node : cluster.nodes) {
      node.receive(new Prepare(high, other, V0));
    }
    cluster.deliver();
    cluster.advance(3 * T);
    assertThat(cluster.primaries()).containsExactly(owner);
    assertThat(cluster.nodes[owner].epoch()).isEqualTo(epoch);
    assertThat(cluster.nodes[owner].promised()).isGreaterThan(high);
  }

  @Test
  void when_a_voter_names_another_owners_live_lease_then_a_candidate_does_not_propose() {
    long[] time = {0};
    int[] proposes = {0};
    Proposer candidate =
        new Proposer(
            1,
            new FixedMembership(V0),
            0,
            ManualCluster.TIMING,
            () -> time[0],
            new SplittableRandom(1),
            (to, m) -> proposes[0] += m instanceof Propose ? 1 : 0,
            new NoRoles());
    candidate.start();
    time[0] = candidate.nextWakeNanos();
    candidate.tick(); // sends its prepare
    long ballot = Ballot.above(0, 1);
    candidate.onPrepareReply(promise(ballot, 1, NO_OWNER, 0, 0));
    candidate.onPrepareReply(promise(ballot, 2, 0, 7, T / 2));
    candidate.onPrepareReply(promise(ballot, 0, NO_OWNER, 0, 0));
    assertThat(proposes[0]).isZero();
    assertThat(candidate.knownLease()).get().extracting(KnownLease::owner).isEqualTo(0);
    time[0] += T / 4;
    candidate.tick();
    assertThat(candidate.nextWakeNanos())
        .as("waits for that lease to end")
        .isGreaterThan(time[0] + T / 5);
  }

  @Test
  void when_the_only_live_lease_named_is_its_own_then_a_candidate_proposes() {
    long[] time = {0};
    int[] proposes = {0};
    Proposer candidate =
        new Proposer(
            1,
            new FixedMembership(V0),
            0,
            ManualCluster.TIMING,
            () -> time[0],
            new SplittableRandom(1),
            (to, m) -> proposes[0] += m instanceof Propose ? 1 : 0,
            new NoRoles());
    candidate.start();
    time[0] = candidate.nextWakeNanos();
    candidate.tick();
    long ballot = Ballot.above(0, 1);
    // A lease of this node's previous life is still running at a voter.
    candidate.onPrepareReply(promise(ballot, 2, 1, 3, T / 2));
    candidate.onPrepareReply(promise(ballot, 1, NO_OWNER, 0, 0));
    assertThat(proposes[0]).isEqualTo(1);
  }

  @Test
  void when_the_primary_is_cut_off_then_another_takes_over_with_a_higher_epoch() {
    ManualCluster cluster = new ManualCluster(3);
    cluster.advance(3 * T);
    int old = cluster.primaries().get(0);
    long oldEpoch = cluster.nodes[old].epoch();
    cluster.cut(old, true);
    cluster.advance(T);
    assertThat(cluster.nodes[old].isPrimary()).as("runs out on its own timer").isFalse();
    cluster.advance(2 * T);
    assertThat(cluster.primaries()).hasSize(1).doesNotContain(old);
    int next = cluster.primaries().get(0);
    assertThat(cluster.nodes[next].epoch()).isGreaterThan(oldEpoch);
  }

  @Test
  void when_the_primary_releases_then_another_takes_over_long_before_the_lease_would_end() {
    ManualCluster cluster = new ManualCluster(3);
    cluster.advance(3 * T);
    int old = cluster.primaries().get(0);
    cluster.nodes[old].release();
    assertThat(cluster.nodes[old].isPrimary()).isFalse();
    cluster.deliver();
    cluster.advance(T / 8);
    assertThat(cluster.primaries()).hasSize(1).doesNotContain(old);
  }

  @Test
  void when_every_node_restarts_then_the_next_epoch_is_higher_than_any_before() {
    ManualCluster cluster = new ManualCluster(3);
    cluster.advance(3 * T);
    long before = cluster.nodes[cluster.primaries().get(0)].epoch();
    for (int i = 0; i < 3; i++) {
      cluster.start(i);
    }
    cluster.advance(Duration.ofSeconds(5));
    assertThat(cluster.primaries()).hasSize(1);
    assertThat(cluster.nodes[cluster.primaries().get(0)].epoch()).isGreaterThan(before);
  }

  @Test
  void when_a_voter_restarts_then_it_answers_nothing_for_a_lease_time_but_keeps_its_promise() {
    MemoryPromiseStore store = new MemoryPromiseStore();
    store.store(new VoterState(Ballot.of(5, 0), V0, null));
    long[] time = {0};
    Acceptor voter = new Acceptor(1, V0, store, () -> time[0], ManualCluster.TIMING);
    assertThat(voter.onPrepare(new Prepare(Ballot.of(9, 2), 2, V0))).isEmpty();
    time[0] = ManualCluster.TIMING.quietNanos();
    assertThat(voter.onPrepare(new Prepare(Ballot.of(4, 2), 2, V0)))
        .get()
        .extracting(PrepareReply::promised)
        .isEqualTo(false);
    assertThat(voter.onPrepare(new Prepare(Ballot.of(9, 2), 2, V0)))
        .get()
        .extracting(PrepareReply::promised)
        .isEqualTo(true);
    assertThat(store.promised()).isEqualTo(Ballot.of(9, 2));
  }

  private static PrepareReply promise(
      long ballot, int voter, int owner, long epoch, long remaining) {
    return new PrepareReply(ballot, voter, true, ballot, owner, epoch, remaining, V0, null);
  }

  private record FixedMembership(Configuration configuration) implements Proposer.Membership {
    @Override
    public void adopt(Configuration next) {
      throw new AssertionError("no change expected: " + next);
    }
  }

  private static final class NoRoles implements Proposer.Roles {
    @Override
    public void onPrimary(long epoch) {}

    @Override
    public void onNotPrimary(long epoch) {}
  }
}
