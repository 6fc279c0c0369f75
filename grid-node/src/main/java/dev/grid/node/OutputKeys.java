package dev.grid.node;

import dev.grid.api.JobId;

/** Where a job's output lives in the blob store: {@code out/<job>/<attempt>/stdout} and so on. */
final class OutputKeys {
  /** Every job's output is under here: {@code out/<job>/}. */
  static final String ROOT = "out/";

  static final String STDOUT = "stdout";
  static final String STDERR = "stderr";

  /**
   * What a running job has written so far, beside where its output goes when it ends ({@code
   * stdout.live}); rewritten as it grows, deleted once the job has ended (see {@link LiveOutput}).
   */
  static final String LIVE = ".live";

  /** A Java job's return value, as {@code ResultCodec} writes it. */
  static final String RESULT = "result";

  /** A Java job's return value's {@code toString()}, UTF-8. */
  static final String RESULT_TEXT = "result.txt";

  private OutputKeys() {}

  static String prefix(JobId id, int attempt) {
    return ROOT + id.value() + "/" + attempt + "/";
  }
}
