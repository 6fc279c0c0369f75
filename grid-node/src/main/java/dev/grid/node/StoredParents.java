package dev.grid.node;

import dev.grid.api.JobId;
import dev.grid.api.JobState;
import dev.grid.node.exec.ParentResults;
import dev.grid.scheduler.JobRecord;
import dev.grid.scheduler.JobTable;
import dev.grid.storage.BlobStore;
import java.util.ArrayList;
import java.util.List;

/**
 * The results of a Java job's {@code --after} parents, as the worker stored them: a parent's {@code
 * out/<id>/<attempt>/result}, an array parent's tasks in index order.
 */
final class StoredParents implements ParentResults {
  private final JobTable table;
  private final BlobStore blobs;
  private final JobRecord job;

  StoredParents(JobTable table, BlobStore blobs, JobRecord job) {
    this.table = table;
    this.blobs = blobs;
    this.job = job;
  }

  /** The parents of the job, or {@link ParentResults#NONE} if it ran after nothing. */
  static ParentResults of(JobTable table, BlobStore blobs, JobRecord job) {
    return job.spec().after() == null || job.spec().after().ok().isEmpty()
        ? ParentResults.NONE
        : new StoredParents(table, blobs, job);
  }

  @Override
  public List<Stored> fetch() {
    List<Stored> out = new ArrayList<>();
    for (JobId id : job.spec().after().ok()) {
      JobRecord parent = record(id);
      if (parent.arrayParent()) {
        for (int index : parent.spec().array().indexList()) {
          out.add(result(record(JobTable.taskId(id, index))));
        }
      } else {
        out.add(result(parent));
      }
    }
    return out;
  }

  private JobRecord record(JobId id) {
    return table
        .get(id)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "parent "
                        + id
                        + " of job "
                        + job.id()
                        + " is no longer known (its record expired): its result cannot be read"));
  }

  private Stored result(JobRecord parent) {
    JobId id = parent.id();
    if (parent.spec().java() == null) {
      throw new IllegalStateException(
          "parent "
              + id
              + " of job "
              + job.id()
              + " is a shell"
              + " job and has no result: only Java jobs return one (read its output with bin/logs "
              + id
              + ")");
    }
    if (parent.state() != JobState.SUCCEEDED) {
      throw new IllegalStateException(
          "parent "
              + id
              + " of job "
              + job.id()
              + " is "
              + parent.state()
              + ": only a job that SUCCEEDED has a result");
    }
    String prefix = OutputKeys.prefix(id, parent.attempt());
    // No result blob: the job returned null (retention deletes a job's record with its output,
    // and the record was found above).
    return new Stored(id, blobs.get(prefix + OutputKeys.RESULT).orElse(null));
  }
}
