package dev.grid.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * How a chaos run goes.
 *
 * @param duration how long faults are injected (the workload runs as long)
 * @param seed the seed of every random choice: faults, their timing, long jobs' lengths
 * @param faultMin the shortest gap between two faults
 * @param faultMax the longest gap between two faults
 * @param jobsPerSecond one-off jobs submitted per second
 * @param longJobs how many long jobs (20-60 s) are submitted, spread over the run
 * @param slots job slots per node
 * @param baseDir where the nodes' data dirs, logs and the ledger go
 * @param keep whether to keep {@code baseDir} after a passing run (a failing run always keeps it)
 * @param faults the kinds of fault to pick from; none for a quiet run, in which the primary must
 *     not change
 * @param seeds how many runs: {@code seed}, {@code seed + 1}, ... each on a new grid (a sweep)
 */
record ChaosOptions(
    Duration duration,
    long seed,
    Duration faultMin,
    Duration faultMax,
    double jobsPerSecond,
    int longJobs,
    int slots,
    Path baseDir,
    boolean keep,
    Set<History.Fault.Kind> faults,
    int seeds) {

  static final String USAGE =
      "usage: bin/chaos [--duration 5m] [--seed N] [--fault-every 10-20s]"
          + " [--jobs-per-second 2] [--long-jobs 4]"
          + " [--faults kill-primary,kill-worker,pause-primary,pause-worker,partition|none]"
          + " [--seeds N] [--dir DIR] [--keep]; partition needs root; none: a quiet run, in which"
          + " any change of primary is a false failover; --seeds N: N runs, seeds N, N+1, ... from"
          + " --seed, one line each";

  ChaosOptions {
    faults = Set.copyOf(faults);
    if (duration.toSeconds() < 10) {
      throw new IllegalArgumentException(
          "duration " + duration + " is too short: give 10s or more");
    }
    if (faultMin.isNegative() || faultMin.isZero() || faultMax.compareTo(faultMin) < 0) {
      throw new IllegalArgumentException(
          "fault gap " + faultMin + "-" + faultMax + " is not a range: give like 10-20s");
    }
    if (jobsPerSecond <= 0 || jobsPerSecond > 50) {
      throw new IllegalArgumentException(
          "jobs per second " + jobsPerSecond + " is out of range: give more than 0, at most 50");
    }
    if (seeds < 1 || seeds > 1000) {
      throw new IllegalArgumentException(
          "--seeds " + seeds + " is out of range: give 1 to 1000 runs");
    }
  }

  /** The same run with another seed, under {@code dir}. */
  ChaosOptions withSeed(long other, Path dir) {
    return new ChaosOptions(
        duration, other, faultMin, faultMax, jobsPerSecond, longJobs, slots, dir, keep, faults, 1);
  }

  /** Parses {@code bin/chaos}'s arguments; throws IllegalArgumentException naming a bad one. */
  static ChaosOptions parse(String[] args) {
    Duration duration = Duration.ofMinutes(5);
    long seed = System.nanoTime();
    Duration min = Duration.ofSeconds(10);
    Duration max = Duration.ofSeconds(20);
    double rate = 2;
    int longJobs = 4;
    Path dir = null;
    boolean keep = false;
    int seeds = 1;
    // Partitions need root (network namespaces): only when asked for.
    Set<History.Fault.Kind> faults = EnumSet.complementOf(EnumSet.of(History.Fault.Kind.PARTITION));
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--keep" -> keep = true;
        case "--duration" -> duration = duration(value(args, ++i, a));
        case "--seed" -> seed = number(value(args, ++i, a), a);
        case "--seeds" -> seeds = (int) Math.min(Integer.MAX_VALUE, number(value(args, ++i, a), a));
        case "--fault-every" -> {
          String v = value(args, ++i, a);
          String unit = v.replaceAll("^[0-9.-]+", "");
          String[] range = v.substring(0, v.length() - unit.length()).split("-");
          if (range.length != 2) {
            throw new IllegalArgumentException(
                "--fault-every '" + v + "' is not a range like 10-20s");
          }
          min = duration(range[0] + (unit.isEmpty() ? "s" : unit));
          max = duration(range[1] + (unit.isEmpty() ? "s" : unit));
        }
        case "--jobs-per-second" -> rate = Double.parseDouble(value(args, ++i, a));
        case "--long-jobs" -> longJobs = Integer.parseInt(value(args, ++i, a));
        case "--dir" -> dir = Path.of(value(args, ++i, a));
        case "--faults" -> {
          faults = EnumSet.noneOf(History.Fault.Kind.class);
          String kinds = value(args, ++i, a);
          if (!kinds.equals("none")) {
            for (String kind : kinds.split(",")) {
              faults.add(History.Fault.Kind.parse(kind));
            }
          }
        }
        default -> throw new IllegalArgumentException("unknown argument '" + a + "'; " + USAGE);
      }
    }
    return new ChaosOptions(duration, seed, min, max, rate, longJobs, 4, dir, keep, faults, seeds);
  }

  private static long number(String text, String option) {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " '" + text + "' is not a whole number");
    }
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value; " + USAGE);
    }
    return args[i];
  }

  /** {@code 90s}, {@code 5m}, {@code 1h}, {@code 1500ms}, or plain seconds. */
  static Duration duration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      char unit = t.charAt(t.length() - 1);
      String number = Character.isDigit(unit) ? t : t.substring(0, t.length() - 1);
      long n = Long.parseLong(number);
      return switch (unit) {
        case 'h' -> Duration.ofHours(n);
        case 'm' -> Duration.ofMinutes(n);
        case 's' -> Duration.ofSeconds(n);
        default -> {
          if (Character.isDigit(unit)) {
            yield Duration.ofSeconds(n);
          }
          throw new IllegalArgumentException("unit '" + unit + "'");
        }
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "duration '" + text + "' is not valid: give like 90s, 5m, 1h or 1500ms", e);
    }
  }
}
