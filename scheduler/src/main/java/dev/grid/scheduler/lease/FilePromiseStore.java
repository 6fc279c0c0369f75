package dev.grid.scheduler.lease;

import dev.grid.api.GridException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The voter's state in a small file, {@code <dir>/promised}: the promised ballot as a decimal line
 * (all the file held before configurations were kept, and still all it holds at version 0 with
 * nothing pending), then a {@code configuration} line and maybe a {@code pending} line:
 *
 * <pre>
 * 1114113
 * configuration 3 0,1,3 -
 * pending 1179650 4 0,1,3,4 0,1,3
 * </pre>
 *
 * ({@code version voters previous}, {@code -} for none). A new state is written to a temporary
 * file, forced to disk, renamed over the old one, and the directory is forced too, so a crash
 * leaves either the old or the new state, never a torn one.
 */
public final class FilePromiseStore implements PromiseStore {
  private static final String FILE = "promised";
  private static final String CONFIGURATION = "configuration";
  private static final String PENDING = "pending";

  private final Path dir;
  private final Path file;
  private final Path temp;

  /** A store in {@code dir} (usually {@code <dataDir>/lease}), created if missing. */
  public FilePromiseStore(Path dir) {
    this.dir = dir;
    this.file = dir.resolve(FILE);
    this.temp = dir.resolve(FILE + ".tmp");
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new GridException(
          "cannot create the lease directory " + dir + ": " + e + "; check the data dir", e);
    }
  }

  @Override
  public VoterState load(Configuration initial) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII).trim();
    } catch (NoSuchFileException e) {
      return new VoterState(0, initial, null);
    } catch (IOException e) {
      throw new GridException("cannot read the lease promise " + file + ": " + e, e);
    }
    try {
      return parse(text, initial);
    } catch (IllegalArgumentException e) {
      // Starting from 0 could let this voter go back on a promise: refuse instead.
      throw new GridException(
          "the lease promise "
              + file
              + " holds '"
              + text
              + "', not a ballot and configuration ("
              + e.getMessage()
              + "); restore it or, only if every other voter is up, delete it",
          e);
    }
  }

  @Override
  public void store(VoterState state) {
    byte[] bytes = format(state).getBytes(StandardCharsets.US_ASCII);
    try {
      try (FileChannel out =
          FileChannel.open(
              temp,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        out.force(true);
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      forceDirectory();
    } catch (IOException e) {
      throw new GridException("cannot store the lease promise in " + file + ": " + e, e);
    }
  }

  private static String format(VoterState state) {
    StringBuilder text = new StringBuilder().append(state.promised()).append('\n');
    Configuration configuration = state.configuration();
    boolean plain =
        configuration.version() == 0 && configuration.isSettled() && state.pending() == null;
    if (!plain) { // a version-0 state stays readable as it always was
      text.append(CONFIGURATION).append(' ').append(format(configuration)).append('\n');
    }
    if (state.pending() != null) {
      text.append(PENDING)
          .append(' ')
          .append(state.pending().ballot())
          .append(' ')
          .append(format(state.pending().next()))
          .append('\n');
    }
    return text.toString();
  }

  private static String format(Configuration configuration) {
    return configuration.version()
        + " "
        + ids(configuration.voters())
        + " "
        + (configuration.isSettled() ? "-" : ids(configuration.previous()));
  }

  private static String ids(List<Integer> ids) {
    return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
  }

  private static VoterState parse(String text, Configuration initial) {
    List<String> lines = text.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
    if (lines.isEmpty() || lines.size() > 3) {
      throw new IllegalArgumentException("expected 1 to 3 lines");
    }
    long ballot = Long.parseLong(lines.get(0));
    Configuration configuration = initial;
    PendingChange pending = null;
    for (String line : lines.subList(1, lines.size())) {
      String[] words = line.split(" ");
      if (words[0].equals(CONFIGURATION) && words.length == 4) {
        configuration = configuration(words, 1);
      } else if (words[0].equals(PENDING) && words.length == 5) {
        pending = new PendingChange(Long.parseLong(words[1]), configuration(words, 2));
      } else {
        throw new IllegalArgumentException("unknown line '" + line + "'");
      }
    }
    return new VoterState(ballot, configuration, pending);
  }

  private static Configuration configuration(String[] words, int from) {
    return new Configuration(
        Long.parseLong(words[from]), parseIds(words[from + 1]), parseIds(words[from + 2]));
  }

  private static List<Integer> parseIds(String word) {
    if (word.equals("-")) {
      return List.of();
    }
    return Arrays.stream(word.split(",")).map(Integer::valueOf).toList();
  }

  private void forceDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some file systems cannot open a directory; the rename is then as durable as it gets.
    }
  }

  @Override
  public String toString() {
    return file.toString();
  }
}
