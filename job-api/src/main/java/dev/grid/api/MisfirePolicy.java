package dev.grid.api;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a schedule does with fires that fell due while no primary ran (or the grid was stopped).
 * Every missed fire is recorded in the schedule's runs, whatever the policy.
 */
public enum MisfirePolicy {
  /** Record the missed fires as missed; run the next one when it is due. */
  SKIP,
  /** Run one job now for the latest missed fire; record the others as missed. */
  ONCE,
  /** Run a job for each missed fire, oldest first, up to the schedule's catch-up bound. */
  ALL;

  /** Parses {@code skip}, {@code once} or {@code all}, in any case. */
  public static MisfirePolicy parse(String text) {
    for (MisfirePolicy p : values()) {
      if (p.name().equalsIgnoreCase(text)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "misfire policy '"
            + text
            + "' is not known: use one of "
            + Arrays.toString(values()).toLowerCase(Locale.ROOT));
  }
}
