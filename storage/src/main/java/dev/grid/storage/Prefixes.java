package dev.grid.storage;

import java.util.regex.Pattern;

/** Validation of {@link BlobStore#list(String)} prefixes, shared by the implementations. */
final class Prefixes {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:/-]{0,512}");

  private Prefixes() {}

  /** Refuses a prefix that no valid key could start with, naming it. */
  static String check(String prefix) {
    if (prefix == null || !VALID.matcher(prefix).matches()) {
      throw new IllegalArgumentException(
          "blob key prefix '"
              + prefix
              + "' is not valid: use up to 512 of A-Z a-z 0-9 . _ : - /"
              + " (an empty prefix lists every key)");
    }
    return prefix;
  }
}
