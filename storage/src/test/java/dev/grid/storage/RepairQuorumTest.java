package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repair counts the voters it sees, not the members: one voter of three with workers beside it is
 * the minority side of a cut, however many workers it has, and does not repair from its stale view;
 * the same members, all voters, do.
 */
class RepairQuorumTest {
  private static final Duration EVENTUALLY = Duration.ofSeconds(30);

  @TempDir Path dataDirs;

  private TestMembers members;
  private final List<ReplicatedBlobStore> stores = new ArrayList<>();

  @AfterEach
  void stop() {
    stores.forEach(ReplicatedBlobStore::close);
    if (members != null) {
      members.close();
    }
  }

  @Test
  void one_voter_of_three_with_workers_beside_it_does_not_repair() {
    assertThat(actionsAfterLosingACopy(1, false)).isEmpty();
  }

  @Test
  void the_same_members_all_voters_repair() {
    assertThat(actionsAfterLosingACopy(4, false)).isNotEmpty();
  }

  @Test
  void workers_alone_do_not_repair() {
    assertThat(actionsAfterLosingACopy(1, true)).isEmpty();
  }

  /**
   * Four members of which the first {@code voters} vote, expecting three voters: a blob on two of
   * them (m0 the first), the other holder crashes (and m0 too if {@code voterToo}), a member still
   * up plans a repair.
   */
  private List<?> actionsAfterLosingACopy(int voters, boolean voterToo) {
    members = TestMembers.start(4, voters);
    await().atMost(EVENTUALLY).until(() -> members.member(0).getCluster().getMembers().size() == 4);
    ReplicationSettings settings =
        ReplicationSettings.defaults(3)
            .withIntervals(Duration.ofHours(1), Duration.ofHours(1), Duration.ZERO)
            .withRestoreWait(Duration.ofSeconds(20));
    for (int i = 0; i < 4; i++) {
      stores.add(
          ReplicatedBlobStore.start(
              members.member(i),
              TestMembers.name(i),
              new LocalDiskStore(dataDirs.resolve(TestMembers.name(i))),
              settings,
              Clock.systemUTC(),
              0));
    }
    await().atMost(EVENTUALLY).until(() -> stores.get(0).awaitRestored(Duration.ofSeconds(1)));
    stores.get(0).put("out/j1/0/stdout", new byte[] {1, 2, 3});
    String second = stores.get(0).blobs("out/j1/0/stdout").get(0).replicas().get(1);
    List<Integer> gone = new ArrayList<>(List.of(Integer.parseInt(second.substring(1))));
    if (voterToo) {
      gone.add(0);
    }
    for (int index : gone) {
      stores.get(index).close();
      members.kill(index);
    }
    int planner = 1;
    while (gone.contains(planner)) {
      planner++;
    }
    int up = 4 - gone.size();
    HazelcastInstance seer = members.member(planner);
    await().atMost(EVENTUALLY).until(() -> seer.getCluster().getMembers().size() == up);
    return stores.get(planner).repairNow().plan().actions();
  }
}
