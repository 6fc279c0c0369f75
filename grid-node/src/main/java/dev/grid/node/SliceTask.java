package dev.grid.node;

import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.TaskSlice;

/** A task of a slice: the slice, and which of its tasks. */
record SliceTask(TaskSlice slice, int i) {
  JobRecord job(long nowMillis) {
    return slice.task(i, nowMillis);
  }

  int slot() {
    return slice.slots()[i];
  }

  int attempt() {
    return slice.attempts()[i];
  }

  String blockKey() {
    return slice.blockKey();
  }
}
