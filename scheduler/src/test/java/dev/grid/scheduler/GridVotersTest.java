package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which voter list is the grid's, from what the voters declare. */
class GridVotersTest {
  private static final String ABC = "a:1,b:1,c:1";

  @Test
  void the_list_most_voters_declare_is_the_grids() {
    assertThat(GridVoters.chosen(List.of(ABC, "d:1", ABC, ABC)))
        .contains(List.of("a:1", "b:1", "c:1"));
  }

  @Test
  void a_tie_goes_to_the_longer_list_so_a_lone_nodes_list_never_outweighs_a_grids() {
    assertThat(GridVoters.chosen(List.of("d:1", ABC))).contains(List.of("a:1", "b:1", "c:1"));
    assertThat(GridVoters.chosen(List.of(ABC, "d:1"))).contains(List.of("a:1", "b:1", "c:1"));
  }

  @Test
  void a_tie_of_lists_as_long_goes_to_the_one_that_sorts_first_whatever_the_order_seen() {
    assertThat(GridVoters.chosen(List.of("x:1,y:1", "a:1,b:1"))).contains(List.of("a:1", "b:1"));
    assertThat(GridVoters.chosen(List.of("a:1,b:1", "x:1,y:1"))).contains(List.of("a:1", "b:1"));
  }

  @Test
  void a_worker_learns_a_list_only_once_a_majority_of_its_own_voters_declare_it() {
    assertThat(GridVoters.establishedAmong(List.of(ABC))).isEmpty();
    assertThat(GridVoters.establishedAmong(List.of(ABC, ABC)))
        .contains(List.of("a:1", "b:1", "c:1"));
    assertThat(GridVoters.establishedAmong(List.of("a:1,b:1,c:1,d:1,e:1", ABC))).isEmpty();
  }

  @Test
  void no_voter_no_list() {
    assertThat(GridVoters.chosen(List.of())).isEmpty();
  }

  @Test
  void lists_are_the_same_in_any_order() {
    assertThat(GridVoters.same(List.of("b:1", "a:1"), List.of("a:1", "b:1"))).isTrue();
    assertThat(GridVoters.joined(List.of("b:1", "a:1"))).isEqualTo("a:1,b:1");
  }
}
