package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who votes and whom a node joins through: {@code --members}, {@code --voters}, {@code --join}. */
class NodeConfigVotersTest {
  private static final List<String> THREE =
      List.of("127.0.0.1:15701", "127.0.0.1:15702", "127.0.0.1:15703");

  private static NodeConfig node(
      int port, List<String> members, List<String> voters, List<String> join) {
    return NodeConfig.local("n", port, Path.of("/tmp/unused"), "t", 2).toBuilder()
        .members(members)
        .voters(voters)
        .join(join)
        .build();
  }

  @Test
  void a_lone_node_votes_alone() {
    NodeConfig lone = node(15701, List.of(), List.of(), List.of());
    assertThat(lone.isVoter()).isTrue();
    assertThat(lone.voterSet()).isEmpty();
    assertThat(lone.joinList()).isEmpty();
  }

  @Test
  void every_member_votes_when_no_voters_are_named() {
    NodeConfig member = node(15702, THREE, List.of(), List.of());
    assertThat(member.isVoter()).isTrue();
    assertThat(member.voterSet()).isEqualTo(THREE);
    assertThat(member.joinList()).isEqualTo(THREE);
  }

  @Test
  void a_node_not_among_the_voters_is_a_worker_that_joins_through_them() {
    NodeConfig worker = node(15709, List.of(), THREE, List.of());
    assertThat(worker.isVoter()).isFalse();
    assertThat(worker.joinList()).isEqualTo(THREE);
    assertThat(node(15701, List.of(), THREE, List.of()).isVoter()).isTrue();
  }

  @Test
  void a_node_given_only_join_is_a_worker_that_learns_the_voters() {
    NodeConfig worker = node(15709, List.of(), List.of(), List.of("127.0.0.1:15704"));
    assertThat(worker.isVoter()).isFalse();
    assertThat(worker.voterSet()).isEmpty();
    assertThat(worker.joinList()).containsExactly("127.0.0.1:15704");
  }

  @Test
  void bad_voter_and_join_lists_are_named_with_what_to_give() {
    assertThatThrownBy(() -> node(15709, THREE, List.of(), List.of("127.0.0.1:15701")))
        .hasMessageContaining("--members")
        .hasMessageContaining("--join")
        .hasMessageContaining("give --voters and --join");
    assertThatThrownBy(() -> node(15709, List.of(), List.of("10.0.0.1"), List.of()))
        .hasMessageContaining("--voters '10.0.0.1' is not host:port");
    assertThatThrownBy(() -> node(15709, List.of(), List.of(), List.of("h:0")))
        .hasMessageContaining("--join 'h:0' is not host:port");
    assertThatThrownBy(
            () -> node(15709, List.of(), List.of("127.0.0.1:1", "127.0.0.1:1"), List.of()))
        .hasMessageContaining("names a voter twice");
    List<String> ten = new java.util.ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      ten.add("127.0.0.1:" + (15700 + i));
    }
    assertThatThrownBy(() -> node(15709, List.of(), ten, List.of()))
        .hasMessageContaining("10 voters, more than the 9 allowed");
  }
}
