package dev.grid.scheduler.lease;

/**
 * A node's monotonic clock in the simulation: {@code local(t) = offset + t + t * ppm / 10^6} for
 * real time t, so it runs up to {@code ppm} parts per million fast or slow, from any origin.
 */
record SimClock(long offset, long ppm) {
  long local(long real) {
    return offset + real + real * ppm / 1_000_000;
  }

  /** The first real time at which the local clock reads {@code local} or more. */
  long realAt(long local) {
    long real = Math.max(0, Math.floorDiv((local - offset) * 1_000_000, 1_000_000 + ppm));
    while (local(real) - local < 0) {
      real++;
    }
    while (real > 0 && local(real - 1) - local >= 0) {
      real--;
    }
    return real;
  }
}
