package dev.grid.node;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * {@code bin/grid-node --config FILE}: the node's options from a file, one {@code key = value} a
 * line, the key being the option's name without its dashes:
 *
 * <pre>
 * # /etc/grid/grid.conf
 * name = n1
 * members = 10.0.0.1:15701, 10.0.0.2:15701, 10.0.0.3:15701
 * data-dir = /var/lib/grid
 * token-file = token          # relative: beside this file, /etc/grid/token
 * </pre>
 *
 * <p>A flag on the command line wins over the file (picocli asks this provider only for the options
 * the command line did not give). Lines that are blank or start with {@code #} are skipped; a
 * {@code #} after a value starts a comment too. Values are taken as written, without quotes or
 * escapes. A relative path is taken from the file's own folder, wherever the node is started from.
 *
 * <p>Refused, naming the file, the line and what to do: a key that is no option (a misspelt {@code
 * tls-cert} ignored would leave the API on plain HTTP), a key given twice, a key without a value,
 * and a file that others than its owner may change (it names the token, secret and TLS files).
 */
final class ConfigFile implements IDefaultValueProvider {
  /** Options that make no sense in a file: they act, or name the file itself. */
  private static final Set<String> NOT_IN_FILE = Set.of("--help", "--version", "--config");

  private static final Pattern LINE = Pattern.compile("(-*[A-Za-z0-9][A-Za-z0-9-]*)\\s*=\\s*(.*)");
  private static final Set<PosixFilePermission> OTHERS_WRITE =
      EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

  /** One setting: its key as written, its value (a path already resolved), its line. */
  record Entry(String key, String value, int line) {}

  private final Path file;
  private final Map<String, Entry> byOption;

  private ConfigFile(Path file, Map<String, Entry> byOption) {
    this.file = file;
    this.byOption = byOption;
  }

  /**
   * The file named by {@code --config FILE} or {@code --config=FILE} among the arguments, if any;
   * read before picocli parses them, since it supplies their defaults.
   */
  static Optional<Path> named(String[] args) {
    Path found = null;
    for (int i = 0; i < args.length; i++) {
      String value = null;
      if (args[i].equals("--config") && i + 1 < args.length) {
        value = args[++i];
      } else if (args[i].startsWith("--config=")) {
        value = args[i].substring("--config=".length());
      }
      if (value != null) {
        if (found != null) {
          throw new IllegalArgumentException("--config is given twice: give one config file");
        }
        found = Path.of(value);
      }
    }
    return Optional.ofNullable(found);
  }

  /** Reads and checks {@code file} against the options of {@code spec}. */
  static ConfigFile read(Path file, CommandSpec spec) {
    Path absolute = file.toAbsolutePath().normalize();
    List<String> lines;
    try {
      checkOwnerWritesOnly(absolute);
      lines = Files.readAllLines(absolute, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          "config file " + absolute + " does not exist: give the path of an existing file");
    } catch (MalformedInputException e) {
      throw new IllegalArgumentException("config file " + absolute + " is not UTF-8 text");
    } catch (IOException e) {
      throw new IllegalArgumentException("config file " + absolute + " cannot be read: " + e, e);
    }
    Map<String, OptionSpec> options = new LinkedHashMap<>();
    for (OptionSpec option : spec.options()) {
      if (!NOT_IN_FILE.contains(option.longestName())) {
        options.put(option.longestName().substring(2), option);
      }
    }
    Map<String, Entry> byOption = new LinkedHashMap<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      int number = i + 1;
      String text = withoutComment(lines.get(i)).strip();
      if (text.isEmpty()) {
        continue;
      }
      String where = absolute + ":" + number + ": ";
      Matcher line = LINE.matcher(text);
      if (!line.matches()) {
        throw new IllegalArgumentException(
            where
                + "'"
                + text
                + "' is not a setting: write `key = value`, the key an option of"
                + " bin/grid-node without its dashes, like `http-port = 18701`");
      }
      String key = line.group(1);
      String value = line.group(2).strip();
      OptionSpec option = options.get(key);
      if (option == null) {
        throw new IllegalArgumentException(where + unknownKey(key, options.keySet()));
      }
      Integer earlier = seen.putIfAbsent(key, number);
      if (earlier != null) {
        throw new IllegalArgumentException(
            where + key + " is set already on line " + earlier + ": keep one of the two lines");
      }
      if (value.isEmpty()) {
        throw new IllegalArgumentException(
            where
                + key
                + " has no value: give one, or remove the line (or make it a comment with #)"
                + " for the default");
      }
      byOption.put(option.longestName(), new Entry(key, valueFor(option, value, absolute), number));
    }
    return new ConfigFile(absolute, Map.copyOf(byOption));
  }

  /** The file, absolute. */
  Path file() {
    return file;
  }

  /** The setting the file gives the option named {@code longestName} ({@code --http-port}). */
  Optional<Entry> entry(String longestName) {
    return Optional.ofNullable(byOption.get(longestName));
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (arg instanceof OptionSpec option) {
      Entry entry = byOption.get(option.longestName());
      return entry == null ? null : entry.value();
    }
    return null;
  }

  /** The options an argument list gives, by their long names: {@code --slots 4} gives --slots. */
  static Set<String> optionsIn(String[] args) {
    Set<String> given = new HashSet<>();
    for (String arg : args) {
      if (arg.equals("--")) {
        break;
      }
      if (arg.startsWith("--")) {
        int equals = arg.indexOf('=');
        given.add(equals < 0 ? arg : arg.substring(0, equals));
      }
    }
    return given;
  }

  /**
   * What to say of a value picocli could not take, when this file gave it (the command line did
   * not): the file, the line, the setting, picocli's reason and what to do. Empty otherwise.
   */
  Optional<String> badValue(ParameterException e, Set<String> givenOnCommandLine) {
    if (!(e.getArgSpec() instanceof OptionSpec option)
        || givenOnCommandLine.contains(option.longestName())) {
      return Optional.empty();
    }
    return entry(option.longestName())
        .map(
            entry ->
                file
                    + ":"
                    + entry.line()
                    + ": "
                    + entry.key()
                    + " = "
                    + entry.value()
                    + ": "
                    + e.getMessage()
                    + ". Fix it there, or give "
                    + option.longestName()
                    + " on the command line.");
  }

  /**
   * Where a message about an option, such as {@code "--keep-runs -3 is negative"}, names one this
   * file set and the command line did not: {@code " (keep-runs is set in FILE:LINE)"}, else "".
   */
  String source(String message, Set<String> givenOnCommandLine) {
    StringBuilder notes = new StringBuilder();
    for (Map.Entry<String, Entry> setting : byOption.entrySet()) {
      String option = setting.getKey();
      if (!givenOnCommandLine.contains(option)
          && Pattern.compile(Pattern.quote(option) + "(?![A-Za-z0-9-])").matcher(message).find()) {
        Entry entry = setting.getValue();
        notes.append(" (").append(entry.key()).append(" is set in ");
        notes.append(file).append(':').append(entry.line()).append(')');
      }
    }
    return notes.toString();
  }

  private static String withoutComment(String line) {
    String stripped = line.stripLeading();
    if (stripped.startsWith("#")) {
      return "";
    }
    // " #" starts a comment after a value; a # inside a value (no space before it) stays
    int hash = line.indexOf(" #");
    int tab = line.indexOf("\t#");
    int at = hash < 0 ? tab : tab < 0 ? hash : Math.min(hash, tab);
    return at < 0 ? line : line.substring(0, at);
  }

  /** A path relative to the file's folder; a list without the spaces around its commas. */
  private static String valueFor(OptionSpec option, String value, Path file) {
    if (option.type() == Path.class) {
      Path path = Path.of(value);
      return path.isAbsolute() ? value : file.getParent().resolve(path).normalize().toString();
    }
    if (!option.splitRegex().isEmpty()) {
      return value.replaceAll("\\s*" + option.splitRegex() + "\\s*", option.splitRegex());
    }
    return value;
  }

  private static String unknownKey(String key, Set<String> keys) {
    String message =
        "unknown key '"
            + key
            + "': it is not an option of bin/grid-node, and a setting the node ignored could"
            + " leave it less safe than you meant. ";
    List<String> near = new ArrayList<>();
    for (String known : keys) {
      if (distance(key.toLowerCase(Locale.ROOT), known) <= 2) {
        near.add(known);
      }
    }
    if (key.startsWith("-")) {
      return message + "Write the option's name without its dashes.";
    }
    if (!near.isEmpty()) {
      return message + "Did you mean " + String.join(" or ", near) + "?";
    }
    return message + "The keys are the options `bin/grid-node --help` lists, without dashes.";
  }

  /** Levenshtein distance, for the suggestion of a misspelt key. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static void checkOwnerWritesOnly(Path file) throws IOException {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      return; // not a POSIX file system: nothing to check
    }
    if (perms.stream().anyMatch(OTHERS_WRITE::contains)) {
      throw new IllegalArgumentException(
          "config file "
              + file
              + " can be changed by others than its owner ("
              + PosixFilePermissions.toString(perms)
              + "), and it names the node's token, secret and TLS files: run `chmod go-w "
              + file
              + "`");
    }
    // Its owner could point the node at files of their own (a token file, a job user): root
    // and the node's own user only.
    int owner = (Integer) Files.getAttribute(file, "unix:uid");
    long self = dev.grid.node.exec.JobUser.nodeUid();
    if (self >= 0 && owner != 0 && owner != self) {
      throw new IllegalArgumentException(
          "config file "
              + file
              + " belongs to uid "
              + owner
              + ", neither root nor the node's own user ("
              + self
              + "), and it names the node's token, secret and TLS files: run `chown root "
              + file
              + "` (or give it to the node's user)");
    }
  }
}
