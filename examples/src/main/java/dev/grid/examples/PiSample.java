package dev.grid.examples;

import dev.grid.api.GridJob;
import dev.grid.api.JobContext;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * One task of a Monte Carlo estimate of pi, run as an array: task {@code i} draws points in the
 * unit square from a generator seeded with {@code i} and counts those inside the quarter circle.
 * {@link PiReduce}, submitted {@code --after} the array, adds the tasks' {@link Hits} up.
 *
 * <pre>
 * ARRAY=$(bin/submit --array 0-9 --jar examples/target/examples.jar \
 *     --class dev.grid.examples.PiSample -- 1000000)
 * bin/submit --wait --after $ARRAY --jar examples/target/examples.jar \
 *     --class dev.grid.examples.PiReduce
 * </pre>
 *
 * <p>Argument: the points per task (default {@value #DEFAULT_SAMPLES}). The same index and count
 * give the same {@link Hits} on any node, so a run can be checked exactly.
 */
public final class PiSample implements GridJob<Hits> {
  /** Points per task when no argument is given. */
  public static final long DEFAULT_SAMPLES = 1_000_000;

  @Override
  public Hits run(JobContext context) {
    long samples = context.args().isEmpty() ? DEFAULT_SAMPLES : samples(context.args().get(0));
    int index = context.arrayIndex().orElse(0);
    Hits hits = sample(index, samples, context::isCancelled);
    context.checkCancelled();
    context.log("task %d: %d of %d points inside", index, hits.inside(), hits.samples());
    return hits;
  }

  /** The {@link Hits} class travels with the result: declared, as Kryo requires. */
  @Override
  public List<Class<?>> resultTypes() {
    return List.of(Hits.class);
  }

  /** Draws {@code samples} points from a generator seeded with {@code seed}; stops if told. */
  static Hits sample(long seed, long samples, BooleanSupplier cancelled) {
    SplittableRandom random = new SplittableRandom(seed);
    long inside = 0;
    for (long i = 0; i < samples; i++) {
      if ((i & 0xFFFF) == 0 && cancelled.getAsBoolean()) {
        break;
      }
      double x = random.nextDouble();
      double y = random.nextDouble();
      if (x * x + y * y <= 1) {
        inside++;
      }
    }
    return new Hits(inside, samples);
  }

  private static long samples(String text) {
    try {
      long samples = Long.parseLong(text);
      if (samples > 0) {
        return samples;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException(
        "points per task '" + text + "' is not a positive" + " number: give one, like 1000000");
  }
}
