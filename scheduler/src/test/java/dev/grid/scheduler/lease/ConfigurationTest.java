package dev.grid.scheduler.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigurationTest {
  private static final Configuration V0 = Configuration.initial(3);

  @Test
  void when_a_grid_starts_then_version_0_numbers_its_sorted_voter_list() {
    assertThat(V0.version()).isZero();
    assertThat(V0.voters()).containsExactly(0, 1, 2);
    assertThat(V0.isSettled()).isTrue();
  }

  @Test
  void when_one_voter_is_added_or_removed_then_the_next_version_remembers_the_previous_voters() {
    Configuration added = V0.next(List.of(3, 0, 1, 2));
    assertThat(added.version()).isEqualTo(1);
    assertThat(added.voters()).containsExactly(0, 1, 2, 3);
    assertThat(added.previous()).containsExactly(0, 1, 2);
    assertThat(added.recipients()).containsExactly(0, 1, 2, 3);
    assertThat(added.isSettled()).isFalse();
    Configuration removed = added.settled().next(List.of(0, 1, 3));
    assertThat(removed.recipients()).containsExactly(0, 1, 2, 3);
    assertThat(removed.settled().recipients()).containsExactly(0, 1, 3);
  }

  @Test
  void when_two_voters_change_at_once_then_the_change_is_refused_and_says_how_to_do_it() {
    assertThatThrownBy(() -> V0.next(List.of(0, 1, 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[0, 1, 3]")
        .hasMessageContaining("by 2")
        .hasMessageContaining("one voter at a time");
    assertThatThrownBy(() -> V0.next(List.of(0, 1, 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("by 0");
  }

  @Test
  void when_a_change_is_not_settled_then_the_next_one_cannot_start() {
    Configuration changing = V0.next(List.of(0, 1));
    assertThatThrownBy(() -> changing.next(List.of(0)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not settled");
  }

  @Test
  void when_voter_ids_are_bad_then_the_configuration_names_the_bad_id() {
    assertThatThrownBy(() -> new Configuration(1, List.of(0, 0), List.of()))
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> new Configuration(1, List.of(0, Ballot.MAX_VOTERS), List.of()))
        .hasMessageContaining("voter id " + Ballot.MAX_VOTERS);
    assertThatThrownBy(() -> new Configuration(1, List.of(), List.of()))
        .hasMessageContaining("empty");
  }

  @Test
  void when_configurations_are_compared_then_a_higher_version_or_knowing_it_settled_is_newer() {
    Configuration changing = V0.next(List.of(0, 1, 2, 3));
    assertThat(changing.isNewerThan(V0)).isTrue();
    assertThat(changing.settled().isNewerThan(changing)).isTrue();
    assertThat(changing.isNewerThan(changing.settled())).isFalse();
    assertThat(V0.isNewerThan(changing)).isFalse();
  }

  @Test
  void when_votes_are_counted_then_only_a_strict_majority_of_the_given_voters_counts() {
    BitSet votes = new BitSet();
    votes.set(0);
    votes.set(7); // not a voter of this set
    assertThat(Configuration.majorityOf(List.of(0, 1, 2, 3), votes)).isFalse();
    votes.set(1);
    assertThat(Configuration.majorityOf(List.of(0, 1, 2, 3), votes)).isFalse();
    votes.set(3);
    assertThat(Configuration.majorityOf(List.of(0, 1, 2, 3), votes)).isTrue();
  }
}
