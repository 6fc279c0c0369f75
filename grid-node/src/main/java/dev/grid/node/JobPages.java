package dev.grid.node;

import dev.grid.api.JobFilter;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobState;
import dev.grid.scheduler.ArrayProgress;
import dev.grid.scheduler.JobPosition;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.JobTable;
import dev.grid.scheduler.TaskBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A page of {@code bin/jobs}'s list ({@link JobListing}: an array is one line with its tasks'
 * counts, its tasks after it when asked for), read without reading the whole list.
 *
 * <p><b>What a page costs.</b> It asks the jobs map for the first {@code limit + 1} records after
 * the cursor: every member passes over its records in memory and sends at most that many, so the
 * wire carries at most {@code members * (limit + 1)} records and the answer {@code limit} lines,
 * however many jobs the grid keeps. The arrays among those records have their task blocks read by
 * key (one call). Only a filter that the records themselves cannot answer asks again: an array's
 * summed-up state depends on its tasks, so with {@code state} a batch of arrays in other states
 * yields no line and the next batch is read, each as costly as the first.
 */
final class JobPages {
  private JobPages() {}

  /** Where the records come from: {@link JobTable}, or a stand-in in tests. */
  interface Source {
    /** See {@link JobTable#firstAfter}. */
    List<JobRecord> firstAfter(JobPosition from, JobFilter filter, int limit);

    /** See {@link JobTable#blocksOf}. */
    Map<JobId, List<TaskBlock>> blocksOf(List<JobRecord> arrays);
  }

  static Source of(JobTable table) {
    return new Source() {
      @Override
      public List<JobRecord> firstAfter(JobPosition from, JobFilter filter, int limit) {
        return table.firstAfter(from, filter, limit);
      }

      @Override
      public Map<JobId, List<TaskBlock>> blocksOf(List<JobRecord> arrays) {
        return table.blocksOf(arrays);
      }
    };
  }

  /**
   * The first {@code limit} lines after {@code after} (null: from the first), in {@link
   * JobPosition} order.
   */
  static List<JobInfo> page(
      Source source, Optional<JobState> state, boolean withTasks, JobPosition after, int limit) {
    return page(source, JobFilter.of(state), withTasks, after, limit);
  }

  /** As the other, with a name to filter by too. */
  static List<JobInfo> page(
      Source source, JobFilter filter, boolean withTasks, JobPosition after, int limit) {
    Optional<JobState> state = filter.stateIfAny();
    List<JobInfo> out = new ArrayList<>();
    // The group's start: when the cursor is an array or one of its tasks, the array's record is
    // read again for the tasks that follow the cursor.
    JobPosition from = after == null ? null : after.groupStart();
    while (true) {
      List<JobRecord> batch = source.firstAfter(from, filter, limit + 1);
      List<JobRecord> arrays = batch.stream().filter(JobRecord::arrayParent).toList();
      Map<JobId, List<TaskBlock>> blocks = arrays.isEmpty() ? Map.of() : source.blocksOf(arrays);
      for (JobRecord r : batch) {
        for (JobInfo line : lines(r, blocks.getOrDefault(r.id(), List.of()), state, withTasks)) {
          if (after == null || JobPosition.of(line).compareTo(after) > 0) {
            out.add(line);
            if (out.size() == limit) {
              return out;
            }
          }
        }
      }
      if (batch.size() <= limit) {
        return out; // the map holds no more
      }
      from = JobPosition.of(batch.get(batch.size() - 1));
    }
  }

  /** A record's lines: itself, and an array's tasks when asked for; those in {@code state}. */
  static List<JobInfo> lines(
      JobRecord r, List<TaskBlock> blocks, Optional<JobState> state, boolean withTasks) {
    List<JobInfo> out = new ArrayList<>();
    if (!r.arrayParent()) {
      add(out, r.toInfo(), state);
      return out;
    }
    List<JobState> states = new ArrayList<>();
    for (TaskBlock b : blocks) {
      for (int slot = 0; slot < TaskBlock.SIZE; slot++) {
        if (b.has(slot)) {
          states.add(b.state(slot));
        }
      }
    }
    Map<JobState, Integer> counts = ArrayProgress.count(states);
    add(out, r.toInfo().withTasks(ArrayProgress.state(r.state(), counts), counts), state);
    if (withTasks) {
      for (TaskBlock b : blocks) {
        for (int slot = 0; slot < TaskBlock.SIZE; slot++) {
          if (b.has(slot) && (state.isEmpty() || state.get() == b.state(slot))) {
            out.add(b.task(r.spec(), slot).toInfo());
          }
        }
      }
    }
    return out;
  }

  private static void add(List<JobInfo> out, JobInfo info, Optional<JobState> state) {
    if (state.isEmpty() || state.get() == info.state()) {
      out.add(info);
    }
  }
}
