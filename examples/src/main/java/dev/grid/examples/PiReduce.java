package dev.grid.examples;

import dev.grid.api.GridJob;
import dev.grid.api.JobContext;
import java.util.List;

/**
 * Reduces a {@link PiSample} array to an estimate of pi. Submit it {@code --after} the array: it
 * reads the tasks' {@link Hits} with {@link JobContext#parentResults}, adds them up and returns
 * {@code 4 * inside / samples}.
 *
 * <pre>
 * bin/submit --wait --after ARRAY_ID --jar examples/target/examples.jar \
 *     --class dev.grid.examples.PiReduce
 * </pre>
 */
public final class PiReduce implements GridJob<Double> {

  @Override
  public Double run(JobContext context) {
    List<Hits> parts = context.parentResults(Hits.class);
    if (parts.isEmpty()) {
      throw new IllegalArgumentException(
          "no samples to reduce: submit PiReduce with --after" + " the id of a PiSample array");
    }
    Hits total = total(parts);
    double pi = estimate(total);
    context.log(
        "pi is about %.6f: %d of %d points inside, from %d tasks",
        pi, total.inside(), total.samples(), parts.size());
    return pi;
  }

  /** The tasks' hits added up. */
  static Hits total(List<Hits> parts) {
    long inside = 0;
    long samples = 0;
    for (Hits h : parts) {
      inside += h.inside();
      samples += h.samples();
    }
    return new Hits(inside, samples);
  }

  /** The quarter circle covers pi/4 of the unit square. */
  static double estimate(Hits total) {
    return 4.0 * total.inside() / total.samples();
  }
}
