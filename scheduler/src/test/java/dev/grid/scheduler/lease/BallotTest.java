package dev.grid.scheduler.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BallotTest {
  @Test
  void when_ballots_are_compared_then_the_counter_decides_and_the_voter_breaks_ties() {
    assertThat(Ballot.of(2, 0)).isGreaterThan(Ballot.of(1, 9));
    assertThat(Ballot.of(2, 3)).isGreaterThan(Ballot.of(2, 1));
    assertThat(Ballot.counter(Ballot.of(7, 4))).isEqualTo(7);
    assertThat(Ballot.index(Ballot.of(7, 4))).isEqualTo(4);
    assertThat(Ballot.format(Ballot.of(7, 4))).isEqualTo("7.4");
  }

  @Test
  void when_a_ballot_is_picked_above_one_seen_then_it_is_higher_whoever_picks_it() {
    long seen = Ballot.of(5, 4);
    for (int index = 0; index < 6; index++) {
      assertThat(Ballot.above(seen, index)).isGreaterThan(seen);
    }
  }

  @Test
  void when_the_voter_index_is_out_of_range_then_it_is_refused() {
    assertThatThrownBy(() -> Ballot.of(1, Ballot.MAX_VOTERS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("65536");
  }
}
