package dev.grid.node.exec;

import dev.grid.api.JobId;
import dev.grid.api.internal.ResultCodec;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a Java job's {@code parentResults} come from: the stored results of the jobs it ran after,
 * fetched only when the job asks for them.
 */
@FunctionalInterface
public interface ParentResults {
  /** For a job that ran after nothing. */
  ParentResults NONE = List::of;

  /**
   * One parent's stored result.
   *
   * @param job the parent (a task, for an array parent)
   * @param bytes the result as {@code ResultCodec} wrote it; null if the job returned null
   */
  record Stored(JobId job, byte[] bytes) {}

  /**
   * The parents' results in order.
   *
   * @throws IllegalStateException if a parent has no result to read; the message names it
   */
  List<Stored> fetch();

  /**
   * Reads stored results as the job asked ({@code JobContext.parentResults}).
   *
   * @throws IllegalArgumentException naming the parent whose result is not a {@code type} or holds
   *     a class not given
   */
  static <T> List<T> decode(List<Stored> stored, Class<T> type, Class<?>... more) {
    List<T> values = new ArrayList<>(stored.size());
    for (Stored s : stored) {
      try {
        values.add(s.bytes() == null ? null : ResultCodec.decode(s.bytes(), type, List.of(more)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "the result of parent " + s.job() + ": " + e.getMessage(), e);
      }
    }
    return values;
  }
}
