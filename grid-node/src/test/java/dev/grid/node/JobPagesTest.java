package dev.grid.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.ArraySpec;
import dev.grid.api.JobFilter;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.scheduler.JobCommand;
import dev.grid.scheduler.JobPosition;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.JobUpdate;
import dev.grid.scheduler.TaskBlock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class JobPagesTest {
  private final Memory grid = new Memory();

  /** The jobs map and the blocks map as {@link dev.grid.scheduler.JobTable} answers them. */
  static final class Memory implements JobPages.Source {
    final TreeMap<JobPosition, JobRecord> records = new TreeMap<>();
    final Map<JobId, List<TaskBlock>> blocks = new HashMap<>();
    int calls;

    JobRecord add(String id, long millis, String array) {
      JobSpec spec = JobSpec.command("true");
      if (array != null) {
        spec = spec.withArray(ArraySpec.parse(array));
        blocks.put(JobId.of(id), TaskBlock.created(JobId.of(id), spec, millis));
      }
      JobRecord r = JobRecord.queued(JobId.of(id), spec, millis);
      records.put(JobPosition.of(r), r);
      return r;
    }

    void cancel(JobRecord r) {
      records.put(JobPosition.of(r), JobUpdate.apply(r, new JobCommand.Cancel(1, false)).record());
    }

    void delete(JobRecord r) {
      records.remove(JobPosition.of(r));
      blocks.remove(r.id());
    }

    @Override
    public List<JobRecord> firstAfter(JobPosition from, JobFilter filter, int limit) {
      calls++;
      JobState state = filter.state();
      return (from == null ? records : records.tailMap(from, false))
          .values().stream()
              .filter(r -> state == null || r.arrayParent() || r.state() == state)
              .limit(limit)
              .toList();
    }

    @Override
    public Map<JobId, List<TaskBlock>> blocksOf(List<JobRecord> arrays) {
      Map<JobId, List<TaskBlock>> out = new HashMap<>();
      arrays.forEach(a -> out.put(a.id(), blocks.getOrDefault(a.id(), List.of())));
      return out;
    }
  }

  private List<String> walk(Optional<JobState> state, boolean withTasks, int limit) {
    List<String> ids = new ArrayList<>();
    JobPosition after = null;
    while (true) {
      List<JobInfo> page = JobPages.page(grid, state, withTasks, after, limit + 1);
      page.stream().limit(limit).forEach(j -> ids.add(j.id().value()));
      if (page.size() <= limit) {
        return ids;
      }
      after = JobPosition.of(page.get(limit - 1));
    }
  }

  @Test
  void when_an_array_spans_pages_then_its_tasks_follow_it_in_order_each_once() {
    grid.add("a", 1, null);
    grid.add("b", 2, "0-2,7");
    grid.add("c", 2, null); // same millisecond as b: by id, after b's tasks
    grid.cancel(grid.add("d", 3, null));

    for (int limit = 1; limit <= 8; limit++) {
      assertThat(walk(Optional.empty(), true, limit))
          .as("pages of %s", limit)
          .containsExactly("a", "b", "b_0", "b_1", "b_2", "b_7", "c", "d");
      assertThat(walk(Optional.empty(), false, limit)).containsExactly("a", "b", "c", "d");
      assertThat(walk(Optional.of(JobState.CANCELLED), true, limit)).containsExactly("d");
      assertThat(walk(Optional.of(JobState.QUEUED), true, limit))
          .containsExactly("a", "b", "b_0", "b_1", "b_2", "b_7", "c");
    }
    List<JobInfo> array = JobPages.page(grid, Optional.empty(), false, null, 10).subList(1, 2);
    assertThat(array.get(0).tasks()).containsEntry(JobState.QUEUED, 4);
  }

  @Test
  void when_a_filter_passes_over_many_records_then_a_page_still_fills_from_later_batches() {
    for (int i = 0; i < 50; i++) {
      grid.add(String.format("a%03d", i), 1, "0-1"); // arrays: read, then left out
    }
    grid.cancel(grid.add("z", 2, null));

    List<JobInfo> page = JobPages.page(grid, Optional.of(JobState.CANCELLED), false, null, 3);

    assertThat(page).extracting(j -> j.id().value()).containsExactly("z");
    assertThat(grid.calls).as("batches of limit + 1 records").isEqualTo(13);
  }

  @Test
  void when_jobs_come_and_go_during_a_walk_then_every_job_there_all_along_is_listed_once() {
    for (long seed = 1; seed <= 200; seed++) {
      Random random = new Random(seed);
      Memory memory = new Memory();
      List<JobRecord> live = new ArrayList<>();
      int next = 0;
      long millis = 1000;
      for (int i = 0; i < 60; i++) {
        millis += random.nextInt(3);
        live.add(memory.add("j" + next++, millis, random.nextInt(5) == 0 ? "0-3" : null));
      }
      boolean withTasks = random.nextBoolean();
      Set<String> stable = new HashSet<>();
      for (JobRecord r : live) {
        stable.addAll(lines(r, withTasks));
      }
      List<String> seen = new ArrayList<>();
      int limit = 1 + random.nextInt(12);
      JobPosition after = null;
      while (true) {
        List<JobInfo> page = JobPages.page(memory, Optional.empty(), withTasks, after, limit + 1);
        page.stream().limit(limit).forEach(j -> seen.add(j.id().value()));
        // between pages: new jobs (some from a node whose clock is behind) and deleted ones
        for (int k = random.nextInt(4); k > 0; k--) {
          long at = millis + random.nextInt(20) - 10;
          live.add(memory.add("j" + next++, at, random.nextBoolean() ? "0-1" : null));
        }
        for (int k = random.nextInt(3); k > 0 && !live.isEmpty(); k--) {
          JobRecord gone = live.remove(random.nextInt(live.size()));
          memory.delete(gone);
          stable.removeAll(lines(gone, withTasks));
        }
        if (page.size() <= limit) {
          break;
        }
        after = JobPosition.of(page.get(limit - 1));
      }
      assertThat(seen).as("seed %s", seed).doesNotHaveDuplicates().containsAll(stable);
    }
  }

  private static List<String> lines(JobRecord r, boolean withTasks) {
    List<String> out = new ArrayList<>(List.of(r.id().value()));
    if (withTasks && r.arrayParent()) {
      r.spec().array().indexList().forEach(i -> out.add(r.id().value() + "_" + i));
    }
    return out;
  }
}
