package dev.grid.node;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * Skips a test on a machine that lacks what it needs (root, cgroups, chromium, openssl), saying why
 * in one line of the build's output, once per reason and test JVM: Maven's test plugins count a
 * skipped test but print no reason, and skip a class whose {@code @BeforeAll} skipped without a
 * word. CI has all of these and refuses any skipped test ({@code .ci/run}).
 */
public final class Skip {
  private static final Set<String> SAID = ConcurrentHashMap.newKeySet();

  private Skip() {}

  /**
   * Aborts the test unless {@code met}, printing {@code SKIPPED WHAT: WHY} first.
   *
   * <pre>{@code
   * Skip.unless(Files.isExecutable(CHROMIUM), "DashboardBrowserIT", "no chromium: apt-get install chromium");
   * }</pre>
   */
  public static void unless(boolean met, String what, String why) {
    if (!met) {
      String line = "SKIPPED " + what + ": " + why;
      if (SAID.add(line)) {
        System.out.println(line);
      }
      Assumptions.abort(why);
    }
  }
}
