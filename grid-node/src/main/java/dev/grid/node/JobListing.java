package dev.grid.node;

import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobState;
import dev.grid.scheduler.ArrayProgress;
import dev.grid.scheduler.JobRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code bin/jobs}'s list from the records: an array is one line with its tasks' counts and
 * summed-up state; its tasks follow it only when asked for ({@code --tasks}), as {@code squeue}
 * folds an array's pending tasks into one line unless given {@code -r}.
 */
final class JobListing {
  private JobListing() {}

  /** The records (oldest first) as listed, filtered by state (an array's by its summed state). */
  static List<JobInfo> of(List<JobRecord> records, Optional<JobState> state, boolean withTasks) {
    Map<JobId, List<JobRecord>> tasks = new HashMap<>();
    Set<JobId> arrays = new HashSet<>();
    for (JobRecord r : records) {
      if (r.arrayParent()) {
        arrays.add(r.id());
      }
    }
    for (JobRecord r : records) {
      if (r.arrayId() != null && arrays.contains(r.arrayId())) {
        tasks.computeIfAbsent(r.arrayId(), a -> new ArrayList<>()).add(r);
      }
    }
    List<JobInfo> out = new ArrayList<>();
    for (JobRecord r : records) {
      if (r.arrayId() != null && arrays.contains(r.arrayId())) {
        continue; // listed after its array
      }
      JobInfo info = r.toInfo();
      List<JobRecord> own = tasks.getOrDefault(r.id(), List.of());
      if (r.arrayParent()) {
        Map<JobState, Integer> counts =
            ArrayProgress.count(own.stream().map(JobRecord::state).toList());
        info = info.withTasks(ArrayProgress.state(r.state(), counts), counts);
      }
      add(out, info, state);
      if (withTasks) {
        for (JobRecord t : own) {
          add(out, t.toInfo(), state);
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
