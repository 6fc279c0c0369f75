package dev.grid.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * How a resident client runs.
 *
 * @param dir its private directory ({@link ClientDir})
 * @param name the name of its files there: one resident client per name
 * @param idle how long without a call before it stops
 * @param requestTimeout how long a caller has to send its whole request
 * @param maxCalls how many calls may run at once; more are declined (they run in a JVM each)
 * @param limits how large a request may be
 * @param ownEnv this JVM's environment, compared with each caller's on {@link
 *     ResidentClient#JVM_ENV}
 * @param stamp the jars now, compared with those at the start at each call
 * @param nanos a monotonic clock
 * @param warmUp whether to run {@link WarmUp} before serving
 */
record ResidentConfig(
    Path dir,
    String name,
    Duration idle,
    Duration requestTimeout,
    int maxCalls,
    CallRequest.Limits limits,
    Map<String, String> ownEnv,
    Supplier<JarStamp> stamp,
    LongSupplier nanos,
    boolean warmUp) {
  ResidentConfig {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(name, "name");
    if (idle.isNegative() || idle.isZero()) {
      throw new IllegalArgumentException("idle time " + idle + " must be positive");
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("request timeout " + requestTimeout + " must be positive");
    }
    if (maxCalls < 1) {
      throw new IllegalArgumentException("max calls " + maxCalls + " must be at least 1");
    }
  }

  /** This JVM's: its environment, its class path, {@code System.nanoTime}. */
  static ResidentConfig of(Path dir, String name, Duration idle) {
    return new ResidentConfig(
        dir,
        name,
        idle,
        Duration.ofSeconds(5),
        32,
        CallRequest.Limits.DEFAULT,
        System.getenv(),
        JarStamp::ofThisJvm,
        System::nanoTime,
        true);
  }
}
