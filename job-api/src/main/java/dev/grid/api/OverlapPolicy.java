package dev.grid.api;

import java.util.Arrays;
import java.util.Locale;

/** What a schedule does when a fire comes while its previous run has not ended (as Kubernetes). */
public enum OverlapPolicy {
  /** Start the new run anyway. */
  ALLOW,
  /** Record the new fire as skipped; the previous run goes on. */
  FORBID,
  /** Cancel the previous run (its process tree is killed), then start the new one. */
  REPLACE;

  /** Parses {@code allow}, {@code forbid} or {@code replace}, in any case. */
  public static OverlapPolicy parse(String text) {
    for (OverlapPolicy p : values()) {
      if (p.name().equalsIgnoreCase(text)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "overlap policy '"
            + text
            + "' is not known: use one of "
            + Arrays.toString(values()).toLowerCase(Locale.ROOT));
  }
}
