package dev.grid.storage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * What one repair pass has to say, said in a few lines however many keys it is about. After a
 * partition or a restart a pass can find thousands of blobs lost for now (a node holding them is
 * away) or thousands of copies that failed for one reason; a line per key buried everything else in
 * the log. Each kind of news becomes one line with its count and the first few keys.
 */
final class RepairLog {
  /** Keys named per line; the rest are counted. */
  static final int EXAMPLES = 3;

  private final List<String> lost = new ArrayList<>();
  private String lostReason;

  /** Failed copies by what went wrong, each with its keys. */
  private final Map<String, List<String>> failedCopies = new LinkedHashMap<>();

  /** A blob no live node holds a good copy of. */
  void lost(String key, String reason) {
    lost.add(key);
    if (lostReason == null) {
      lostReason = reason;
    }
  }

  /** A copy that failed, with why (a few words that are the same for the same cause). */
  void copyFailed(String key, String why) {
    failedCopies.computeIfAbsent(why, w -> new ArrayList<>()).add(key);
  }

  /** How many copies failed in the pass. */
  int failedCount() {
    return failedCopies.values().stream().mapToInt(List::size).sum();
  }

  /** Writes the pass's lines: one for the lost blobs, one per cause of failed copies. */
  void write(Logger log) {
    if (!lost.isEmpty()) {
      log.warn(
          "blob repair: {} lost for now, nothing deleted (the metadata stays, since a node"
              + " holding a good copy may come back): {}; for example: {}",
          count(lost.size()),
          keys(lost),
          lostReason);
    }
    failedCopies.forEach(
        (why, keys) ->
            log.warn(
                "blob repair: {} could not be copied, left for" + " the next pass: {}: {}",
                count(keys.size()),
                why,
                keys(keys)));
  }

  private static String count(int n) {
    return n == 1 ? "1 blob" : n + " blobs";
  }

  /** The first few keys, and how many more. */
  static String keys(List<String> keys) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < Math.min(EXAMPLES, keys.size()); i++) {
      out.append(i == 0 ? "" : ", ").append('\'').append(keys.get(i)).append('\'');
    }
    if (keys.size() > EXAMPLES) {
      out.append(" and ").append(keys.size() - EXAMPLES).append(" more");
    }
    return out.toString();
  }
}
