package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.JobId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobIdsTest {
  private static final long MILLIS = 1_796_583_538_944L;

  @Test
  void ids_of_one_node_in_one_millisecond_never_repeat_until_the_sequence_wraps() {
    JobIds ids = new JobIds(7);
    Set<JobId> seen = new HashSet<>();
    int repeats = 0;
    for (int i = 0; i < 1 << JobIds.SEQUENCE_BITS; i++) {
      repeats += seen.add(ids.next(MILLIS)) ? 0 : 1;
    }
    assertThat(repeats).isZero();
    assertThat(seen).doesNotContain(ids.next(MILLIS + 1)).contains(ids.next(MILLIS));
  }

  @Test
  void two_nodes_with_different_nonces_never_make_the_same_id() {
    // The same sequence start on both is the worst case: only the nonce tells them apart.
    JobIds a = new JobIds(1);
    JobIds b = new JobIds(2);
    Set<JobId> fromA = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      fromA.add(a.next(MILLIS));
    }
    List<JobId> shared = new ArrayList<>();
    for (int i = 0; i < 200_000; i++) {
      JobId id = b.next(MILLIS);
      if (fromA.contains(id)) {
        shared.add(id);
      }
    }
    assertThat(shared).isEmpty();
  }

  @Test
  void ids_sort_by_submit_time_and_keep_the_job_id_shape() {
    JobIds ids = new JobIds((1L << JobIds.NONCE_BITS) - 1); // the widest nonce
    List<JobId> made = new ArrayList<>();
    for (long millis : new long[] {1_000, 2_000_000, MILLIS, MILLIS + 1}) {
      made.add(ids.next(millis));
    }
    assertThat(made).isSorted();
    assertThat(made).allSatisfy(id -> assertThat(id.value()).matches("j[0-9a-z]{9}-[0-9a-z]{8}"));
  }

  @Test
  void only_the_low_bits_of_a_nonce_count() {
    assertThat(new JobIds((1L << JobIds.NONCE_BITS) + 3).nonce()).isEqualTo(3);
  }
}
