package dev.grid.api;

import java.util.List;

/**
 * A job written in Java: the grid loads the class from its jar on a worker, makes one instance with
 * the public no-argument constructor, calls {@link #run} once per attempt, and stores what it
 * returns as the job's result.
 *
 * <pre>{@code
 * public final class Pi implements GridJob<Double> {
 *   public Double run(JobContext context) {
 *     long samples = Long.parseLong(context.args().get(0));
 *     long inside = 0;
 *     for (long i = 0; i < samples && !context.isCancelled(); i++) {
 *       double x = Math.random(), y = Math.random();
 *       if (x * x + y * y <= 1) inside++;
 *     }
 *     context.log("%d samples", samples);
 *     return 4.0 * inside / samples;
 *   }
 * }
 * // bin/submit --jar pi.jar --class com.example.Pi --wait -- 1000000
 * // Double pi = grid.result(id, Double.class);
 * }</pre>
 *
 * <p><b>Results.</b> The value is serialized with Kryo. Strings, boxed primitives, primitive
 * arrays, common collections and {@code java.time} values need nothing; any other class the value
 * holds (a record of your own, say) must be listed by {@link #resultTypes()}, on the worker and
 * again when the client reads it ({@link GridClient#result(JobId, Class, Class[])}). A job that
 * returns null has no result.
 *
 * <p><b>Ending.</b> Returning ends the job SUCCEEDED. Throwing anything ends it FAILED with the
 * exception in its message and its stack trace in its stderr. A job over its spec's timeout ends
 * TIMED_OUT: its thread is interrupted and {@link JobContext#isCancelled()} turns true, as on a
 * cancel. A job that ignores both goes on using its thread (and its jar's class loader) until it
 * returns: the grid cannot kill a thread, only a process. A job submitted {@link
 * JavaTask#inChildJvm() isolated} runs in a process of its own, which is killed.
 *
 * @param <R> the result's type
 */
@FunctionalInterface
public interface GridJob<R> {

  /**
   * Runs the job once. Declared to throw any exception, as {@code Callable} does: whatever it
   * throws is caught by the worker and becomes the job's failure, with its stack trace.
   */
  R run(JobContext context) throws Exception;

  /**
   * The classes, beyond JDK basics, that the result may contain, in a fixed order (the order is
   * part of the stored format). For {@code GridJob<Stats>} where {@code Stats} holds a {@code
   * List<Point>}: {@code List.of(Stats.class, Point.class)}.
   */
  default List<Class<?>> resultTypes() {
    return List.of();
  }
}
