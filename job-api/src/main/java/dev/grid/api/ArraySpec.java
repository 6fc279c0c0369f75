package dev.grid.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Makes one submission an array of tasks, as Slurm's {@code --array}: one task per index, each
 * seeing its index as {@code GRID_ARRAY_INDEX}, at most {@code limit} of them holding a slot at
 * once.
 *
 * <pre>{@code
 * ArraySpec all = ArraySpec.parse("0-999%50"); // 1,000 tasks, at most 50 at a time
 * ArraySpec some = ArraySpec.parse("1,3,5-7");  // tasks 1, 3, 5, 6 and 7, no cap
 * JobSpec spec = JobSpec.shell("./render.sh frame-$GRID_ARRAY_INDEX").withArray(all);
 * }</pre>
 *
 * @param indices the indices as a user writes them: numbers and ranges {@code A-B} joined by
 *     commas, each 0 to {@value #MAX_INDEX}, no index twice
 * @param limit how many tasks of the array may be dispatched or running at once; null for no cap
 */
public record ArraySpec(String indices, Integer limit) {
  /** The highest index a task may have. */
  public static final int MAX_INDEX = 999_999;

  /** The most tasks one array may have. */
  public static final int MAX_TASKS = 100_000;

  /** Validates eagerly; a bad value is named in the message. */
  public ArraySpec {
    if (indices == null || indices.isBlank()) {
      throw new IllegalArgumentException(
          "array indices are missing: give ranges like 0-999 or 1,3,5-7");
    }
    indices = indices.strip();
    ranges(indices); // throws on a bad expression
    if (limit != null && limit < 1) {
      throw new IllegalArgumentException(
          "array limit %" + limit + " is not valid: give 1 or more, or no %");
    }
  }

  /**
   * Parses Slurm's notation: {@code 0-999}, {@code 1,3,5-7}, and an optional {@code %N} cap.
   *
   * @throws IllegalArgumentException naming the bad part
   */
  public static ArraySpec parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("array is missing: give ranges like 0-999%50");
    }
    int percent = text.indexOf('%');
    if (percent < 0) {
      return new ArraySpec(text, null);
    }
    String cap = text.substring(percent + 1).strip();
    try {
      return new ArraySpec(text.substring(0, percent), Integer.parseInt(cap));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "array limit '%" + cap + "' in '" + text + "' is not a number: write it like 0-999%50");
    }
  }

  /**
   * The given indices as an array, consecutive ones written as ranges: {@code [1, 2, 3, 7]} is
   * {@code 1-3,7}.
   *
   * @param ascending the indices, ascending, no index twice, at least one
   * @param limit the cap, or null for none
   */
  public static ArraySpec ofIndices(List<Integer> ascending, Integer limit) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < ascending.size(); ) {
      int j = i;
      while (j + 1 < ascending.size() && ascending.get(j + 1) == ascending.get(j) + 1) {
        j++;
      }
      text.append(text.length() == 0 ? "" : ",").append(ascending.get(i));
      if (j > i) {
        text.append('-').append(ascending.get(j));
      }
      i = j + 1;
    }
    return new ArraySpec(text.toString(), limit);
  }

  /** The task indices, ascending. */
  public List<Integer> indexList() {
    return expand(indices);
  }

  /** The array as Slurm writes it: {@code 0-999%50}. */
  public String display() {
    return indices + (limit == null ? "" : "%" + limit);
  }

  /**
   * The indices, ascending. Built from {@link #ranges}, which has checked them, so it costs one
   * step per index only here: an array's spec is read back (and checked) with every record of its
   * tasks, which must not cost a walk over all its indices each time.
   */
  private static List<Integer> expand(String text) {
    int[][] ranges = ranges(text);
    int count = 0;
    for (int[] r : ranges) {
      count += r[1] - r[0] + 1;
    }
    List<Integer> out = new ArrayList<>(count);
    for (int[] r : ranges) {
      for (int i = r[0]; i <= r[1]; i++) {
        out.add(i);
      }
    }
    return out;
  }

  /**
   * The ranges {@code [from, to]} of the expression, ascending, after checking that every index is
   * in bounds, no range goes down, no index is given twice and there are at most {@value
   * #MAX_TASKS}: in time of the number of ranges, not of indices.
   */
  private static int[][] ranges(String text) {
    String[] parts = text.split(",", -1);
    int[][] ranges = new int[parts.length][];
    long count = 0;
    for (int k = 0; k < parts.length; k++) {
      String p = parts[k].strip();
      int dash = p.indexOf('-', 1);
      int from = number(dash < 0 ? p : p.substring(0, dash), text);
      int to = dash < 0 ? from : number(p.substring(dash + 1), text);
      if (to < from) {
        throw new IllegalArgumentException(
            "array range '" + p + "' in '" + text + "' goes down: write it low-high, like 0-999");
      }
      ranges[k] = new int[] {from, to};
      count += to - from + 1;
    }
    Arrays.sort(ranges, Comparator.comparingInt((int[] r) -> r[0]));
    for (int k = 1; k < ranges.length; k++) {
      if (ranges[k][0] <= ranges[k - 1][1]) {
        throw new IllegalArgumentException(
            "array index "
                + ranges[k][0]
                + " is given twice in '"
                + text
                + "': give each index once");
      }
    }
    if (count > MAX_TASKS) {
      throw new IllegalArgumentException(
          "array '" + text + "' has more than " + MAX_TASKS + " tasks: split it into several");
    }
    return ranges;
  }

  private static int number(String s, String text) {
    try {
      int n = Integer.parseInt(s.strip());
      if (n < 0 || n > MAX_INDEX) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "array index '"
              + s.strip()
              + "' in '"
              + text
              + "' is not a number from 0 to "
              + MAX_INDEX
              + ": write ranges like 0-999 or 1,3,5-7");
    }
  }
}
