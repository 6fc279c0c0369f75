package dev.grid.examples;

import dev.grid.api.GridJob;
import dev.grid.api.JobContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Counts the words of every file under a folder: arguments {@code FOLDER [TOP]}. A word is a run of
 * letters or digits, lower-cased. Returns every word's count, sorted by word (a {@code TreeMap}, a
 * JDK type: nothing to declare), and prints the {@code TOP} (default 10) most frequent to the job's
 * stdout.
 *
 * <p>The folder is read on whichever node runs the job: on a local grid the nodes share the file
 * system; on a real one, give a folder every node mounts.
 *
 * <pre>
 * bin/submit --wait --jar examples/target/examples.jar --class dev.grid.examples.WordCount \
 *     -- "$PWD/docs" 5
 * </pre>
 */
public final class WordCount implements GridJob<TreeMap<String, Long>> {
  private static final Pattern NOT_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

  @Override
  public TreeMap<String, Long> run(JobContext context) throws IOException {
    if (context.args().isEmpty() || context.args().size() > 2) {
      throw new IllegalArgumentException("arguments: FOLDER [TOP], got " + context.args());
    }
    Path folder = Path.of(context.args().get(0));
    int top = context.args().size() > 1 ? top(context.args().get(1)) : 10;
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException(
          "folder "
              + folder.toAbsolutePath()
              + " does not exist"
              + " on node "
              + System.getenv().getOrDefault("GRID_NODE", "of this job")
              + ": give an absolute path every node can read");
    }
    TreeMap<String, Long> counts = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(folder)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path file : files) {
      context.checkCancelled();
      count(file, counts);
    }
    context.log(
        "%d words, %d distinct, in %d file%s under %s",
        total(counts), counts.size(), files.size(), files.size() == 1 ? "" : "s", folder);
    counts.entrySet().stream()
        .sorted(
            Map.Entry.<String, Long>comparingByValue()
                .reversed()
                .thenComparing(Map.Entry.comparingByKey()))
        .limit(top)
        .forEach(e -> context.log("%7d %s", e.getValue(), e.getKey()));
    return counts;
  }

  /** Adds the words of one file; bytes that are not UTF-8 count as separators. */
  static void count(Path file, Map<String, Long> counts) throws IOException {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        for (String word : NOT_WORD.split(line.toLowerCase(Locale.ROOT))) {
          if (!word.isEmpty()) {
            counts.merge(word, 1L, Long::sum);
          }
        }
      }
    }
  }

  private static int top(String text) {
    try {
      int top = Integer.parseInt(text);
      if (top >= 0) {
        return top;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException(
        "TOP '" + text + "' is not a number of words to print:" + " give one, like 10");
  }

  private static long total(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }
}
