package dev.grid.scheduler.lease;

/**
 * A monotonic clock in nanoseconds with an arbitrary origin, like {@link System#nanoTime()}. Only
 * differences of two readings mean anything; compare readings as {@code a - b < 0}.
 */
@FunctionalInterface
public interface Ticker {
  /** The current reading. */
  long nanos();

  /** The JVM's monotonic clock. */
  static Ticker system() {
    return System::nanoTime;
  }
}
