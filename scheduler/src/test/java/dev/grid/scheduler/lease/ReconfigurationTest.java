package dev.grid.scheduler.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.scheduler.lease.LeaseMessage.Prepare;
import dev.grid.scheduler.lease.LeaseMessage.PrepareReply;
import dev.grid.scheduler.lease.LeaseMessage.Propose;
import dev.grid.scheduler.lease.LeaseMessage.ProposeReply;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Changing the voters, step by step: one voter, then a few nodes on a manual clock. */
class ReconfigurationTest {
  private static final LeaseTiming TIMING = ManualCluster.TIMING;
  private static final long T = TIMING.leaseNanos();
  private static final Configuration V0 = Configuration.initial(3);
  private static final Configuration V1 = V0.next(List.of(0, 1, 2, 3));

  private final MemoryPromiseStore store = new MemoryPromiseStore();
  private final long[] time = {0};

  private Acceptor voter() {
    Acceptor voter = new Acceptor(1, V0, store, () -> time[0], TIMING);
    time[0] += TIMING.quietNanos();
    return voter;
  }

  @Test
  void when_a_voter_accepts_a_change_then_it_stores_it_stays_at_its_version_and_reports_it() {
    Acceptor voter = voter();
    long ballot = Ballot.of(3, 0);
    ProposeReply accepted =
        voter.onPropose(new Propose(ballot, 0, ballot, T, V0, V1)).orElseThrow();
    assertThat(accepted.accepted()).isTrue();
    assertThat(voter.configuration()).isEqualTo(V0);
    assertThat(store.load(V0).pending()).isEqualTo(new PendingChange(ballot, V1));
    PrepareReply promise = voter.onPrepare(new Prepare(Ballot.of(4, 2), 2, V0)).orElseThrow();
    assertThat(promise.pending()).isEqualTo(new PendingChange(ballot, V1));
  }

  @Test
  void when_a_round_without_a_change_is_accepted_later_then_the_pending_change_is_replaced() {
    Acceptor voter = voter();
    voter.onPropose(new Propose(Ballot.of(3, 0), 0, 1, T, V0, V1));
    voter.onPropose(new Propose(Ballot.of(4, 2), 2, 1, T, V0, null));
    assertThat(voter.pending()).isEmpty();
    assertThat(store.load(V0).pending()).isNull();
  }

  @Test
  void when_a_message_of_an_older_version_arrives_then_the_voter_refuses_and_names_its_own() {
    Acceptor voter = voter();
    voter.learn(V1);
    PrepareReply reply = voter.onPrepare(new Prepare(Ballot.of(9, 2), 2, V0)).orElseThrow();
    assertThat(reply.promised()).isFalse();
    assertThat(reply.configuration()).isEqualTo(V1);
    assertThat(voter.onPropose(new Propose(Ballot.of(9, 2), 2, 1, T, V0, null)))
        .get()
        .extracting(ProposeReply::accepted)
        .isEqualTo(false);
    assertThat(voter.liveLease()).isEmpty();
  }

  @Test
  void when_a_voter_learns_a_newer_version_then_it_keeps_it_across_a_restart() {
    Acceptor voter = voter();
    voter.onPropose(new Propose(Ballot.of(3, 0), 0, 1, T, V0, V1));
    assertThat(voter.learn(V1)).isTrue();
    assertThat(voter.learn(V0)).as("never goes back").isFalse();
    assertThat(voter.pending()).as("the change of the version left behind").isEmpty();
    Acceptor restarted = new Acceptor(1, V0, store, () -> time[0], TIMING);
    assertThat(restarted.configuration()).isEqualTo(V1);
    assertThat(restarted.promised()).isEqualTo(Ballot.of(3, 0));
  }

  @Test
  void when_the_primary_adds_a_voter_then_every_node_reaches_the_new_version_and_it_settles() {
    ManualCluster cluster = new ManualCluster(4, 3);
    cluster.advance(3 * T);
    int primary = cluster.primaries().get(0);
    long epoch = cluster.nodes[primary].epoch();
    assertThat(cluster.nodes[primary].requestChange(List.of(0, 1, 2, 3))).isTrue();
    assertThat(cluster.nodes[primary].requestChange(List.of(0, 1, 2, 3)))
        .as("one change at a time")
        .isFalse();
    cluster.advance(T);
    for (LeaseNode node : cluster.nodes) {
      assertThat(node.configuration()).isEqualTo(V1.settled());
    }
    assertThat(cluster.primaries()).containsExactly(primary);
    assertThat(cluster.nodes[primary].epoch()).as("the tenure goes on").isEqualTo(epoch);
    assertThat(cluster.nodes[3].promised()).as("the new voter takes part").isPositive();
  }

  @Test
  void when_the_primary_removes_itself_then_it_gives_the_lease_up_and_another_takes_over() {
    ManualCluster cluster = new ManualCluster(3);
    cluster.advance(3 * T);
    int old = cluster.primaries().get(0);
    long epoch = cluster.nodes[old].epoch();
    List<Integer> rest = new java.util.ArrayList<>(List.of(0, 1, 2));
    rest.remove(Integer.valueOf(old));
    assertThat(cluster.nodes[old].requestChange(rest)).isTrue();
    cluster.advance(T / 2); // well before its lease would have run out
    assertThat(cluster.primaries()).hasSize(1).doesNotContain(old);
    int next = cluster.primaries().get(0);
    assertThat(cluster.nodes[next].epoch()).isGreaterThan(epoch);
    cluster.advance(5 * T);
    assertThat(cluster.primaries()).containsExactly(next);
    assertThat(cluster.nodes[old].configuration().contains(old)).isFalse();
    assertThat(cluster.roles).contains(old + " not primary " + Ballot.format(epoch));
  }

  @Test
  void when_a_node_missed_its_removal_then_it_learns_of_it_and_never_becomes_primary() {
    ManualCluster cluster = new ManualCluster(3);
    cluster.advance(3 * T);
    int primary = cluster.primaries().get(0);
    int gone = (primary + 1) % 3;
    cluster.cut(gone, true);
    List<Integer> rest = new java.util.ArrayList<>(List.of(0, 1, 2));
    rest.remove(Integer.valueOf(gone));
    assertThat(cluster.nodes[primary].requestChange(rest)).isTrue();
    cluster.advance(T);
    assertThat(cluster.nodes[primary].configuration().voters()).isEqualTo(rest);
    assertThat(cluster.nodes[gone].configuration()).isEqualTo(V0);
    cluster.cut(gone, false);
    cluster.advance(5 * T);
    assertThat(cluster.nodes[gone].configuration().voters()).isEqualTo(rest);
    assertThat(cluster.roles).noneMatch(role -> role.startsWith(gone + " primary"));
    assertThat(cluster.primaries()).containsExactly(primary);
  }
}
