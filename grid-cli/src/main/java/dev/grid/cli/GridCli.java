package dev.grid.cli;

import dev.grid.api.GridClient;
import dev.grid.api.GridClientBuilder;
import dev.grid.api.GridException;
import dev.grid.api.JobId;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.OverlapPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.LongSupplier;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.TypeConversionException;

/**
 * The grid's command line: {@code bin/submit}, {@code bin/status}, {@code bin/jobs}, {@code
 * bin/logs}, {@code bin/cancel}, {@code bin/hold}, {@code bin/release}, {@code bin/requeue}, {@code
 * bin/nodes}, {@code bin/drain}, {@code bin/undrain}, {@code bin/schedule} and {@code bin/storage}
 * each run one subcommand of it.
 *
 * <p>It is a client like any other: it speaks HTTP to the nodes through {@link GridClient} and
 * never touches Hazelcast, so it starts fast. Errors are one line on stderr starting with {@code
 * error: }; the exit code is 1 for an error, 2 for a wrong usage, for {@code submit --wait} the
 * job's own exit code, and for {@code storage check} 1 when it found problems and 3 for an error.
 *
 * <p>Each command builds its picocli model in code, in a {@code spec()} method next to its options
 * (see {@link Specs} for why not annotations), and does its work in a {@code run(...)} method that
 * {@link QuickLine} also calls, without any model, for the most common command lines.
 */
public final class GridCli {
  /**
   * The subcommands, in the order the help lists them. Each is built only when needed: a client
   * command runs one, and building a model costs time at every start.
   */
  static final List<String> SUBCOMMANDS =
      List.of(
          "submit",
          "status",
          "result",
          "jobs",
          "logs",
          "cancel",
          "hold",
          "release",
          "requeue",
          "queue",
          "nodes",
          "drain",
          "undrain",
          "report",
          "schedule",
          "storage");

  /** Exit code for an error the user can fix by other means than the command line. */
  static final int ERROR = 1;

  /** Exit code for a wrong command line. */
  static final int USAGE = 2;

  /**
   * The root's options, made with its model ({@link #spec}); null on the quick path, which takes
   * neither. They are inherited: every subcommand takes them too, before or after its own.
   */
  private OptionSpec urls;

  private OptionSpec tokenFile;
  private OptionSpec caFile;

  private final Map<String, String> env;

  /** The caller's working directory, against which relative paths are read; null for this JVM's. */
  private final Path cwd;

  final PrintStream out;
  final PrintStream err;

  /** Whether stderr is a terminal: then a wait shows its progress as one line redrawn in place. */
  final boolean stderrTerminal;

  /** What "now" is: for {@code bin/jobs}' elapsed time of a job that runs. Tests set their own. */
  Clock clock = Clock.systemUTC();

  /** A monotonic clock in nanoseconds, for the rate a progress line shows. */
  LongSupplier nanos = System::nanoTime;

  GridCli(Map<String, String> env, PrintStream out, PrintStream err) {
    this(env, null, out, err, false);
  }

  GridCli(
      Map<String, String> env, Path cwd, PrintStream out, PrintStream err, boolean stderrTerminal) {
    this.env = Map.copyOf(env);
    this.cwd = cwd;
    this.out = out;
    this.err = err;
    this.stderrTerminal = stderrTerminal;
  }

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    int code = run(args, System.getenv(), null, System.out, System.err, stderrIsTerminal());
    System.out.flush();
    System.exit(code);
  }

  /**
   * Whether this JVM's stderr is a terminal. The JVM cannot tell of stderr itself: {@code
   * bin/_grid.sh} says, in {@code -Dgrid.terminals=IOE} (three digits, 1 where stdin, stdout,
   * stderr are terminals, as it tells the resident client). Without it, a JVM with a console (stdin
   * and stdout terminals) takes stderr for one too.
   */
  private static boolean stderrIsTerminal() {
    String terminals = System.getProperty("grid.terminals");
    if (terminals != null && terminals.matches("[01]{3}")) {
      return terminals.charAt(2) == '1';
    }
    return System.console() != null;
  }

  /**
   * Runs a command line and returns its exit code: one of {@link QuickLine}'s few forms without
   * building picocli's model, any other through {@link #newCommandLine}.
   */
  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    return run(args, env, null, out, err, false);
  }

  /**
   * As {@link #run(String[], Map, PrintStream, PrintStream)} for a caller in another process (the
   * {@link ResidentClient}): relative paths in the command line ({@code --token-file}, {@code
   * --jar}) are read against {@code cwd}, and nothing of this JVM's own environment, working
   * directory or standard streams is used, so that calls can run side by side.
   *
   * @param stderrTerminal whether the caller's stderr is a terminal
   */
  static int run(
      String[] args,
      Map<String, String> env,
      Path cwd,
      PrintStream out,
      PrintStream err,
      boolean stderrTerminal) {
    Integer quick = QuickLine.run(new GridCli(env, cwd, out, err, stderrTerminal), args);
    if (quick != null) {
      return quick;
    }
    String first = args.length > 0 ? args[0] : null;
    return newCommandLine(new GridCli(env, cwd, out, err, stderrTerminal), first).execute(args);
  }

  /**
   * Whether a JVM other than the caller's (the {@link ResidentClient}) runs this command line
   * exactly as the caller's own would. Not when picocli would print help or the version: it colours
   * them (ANSI) by whether its own JVM's stdin and stdout are terminals. Not with an {@code @FILE}
   * argument: picocli reads it against its own JVM's working directory. A command line that picocli
   * refuses prints the same one-line error anywhere.
   */
  /**
   * Options that make a command print as things happen, for as long as they take ({@code logs
   * --follow}, {@code status --watch}): such a call runs in a JVM of its own, whose output reaches
   * the terminal at once; the resident client sends a call's output in frames as it ends.
   */
  static final java.util.Set<String> LIVE_OPTIONS = java.util.Set.of("--follow", "--watch");

  static boolean runsAlikeElsewhere(String[] args) {
    for (String arg : args) {
      if (arg.startsWith("@")) {
        return false;
      }
    }
    PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
    if (QuickLine.match(new GridCli(Map.of(), sink, sink), args) != null) {
      return true; // no picocli at all
    }
    String first = args.length > 0 ? args[0] : null;
    try {
      ParseResult parsed = newCommandLine(Map.of(), sink, sink, first).parseArgs(args);
      for (ParseResult command = parsed; command != null; command = command.subcommand()) {
        if (command.isUsageHelpRequested() || command.isVersionHelpRequested()) {
          return false;
        }
        for (String live : LIVE_OPTIONS) {
          if (command.hasMatchedOption(live)) {
            return false; // its output must reach the terminal as it comes, not at the end
          }
        }
      }
      return true;
    } catch (ParameterException e) {
      return true;
    } catch (RuntimeException e) {
      return false; // not foreseen: a JVM of its own will say
    }
  }

  /**
   * A ready command line: errors become one {@code error:} line, exit codes as documented.
   *
   * @param env where {@code GRID_URL} and {@code GRID_TOKEN} are read
   * @param out where results go (raw bytes for logs and {@code submit --wait})
   * @param err where errors go
   */
  public static CommandLine newCommandLine(
      Map<String, String> env, PrintStream out, PrintStream err) {
    return newCommandLine(env, out, err, null);
  }

  /**
   * As {@link #newCommandLine(Map, PrintStream, PrintStream)}, with only the subcommand named
   * {@code first} if it names one (what a {@code bin/} script runs), else with all of them (for
   * {@code --help}, a misspelt command and the like, so that those read as before).
   */
  static CommandLine newCommandLine(
      Map<String, String> env, PrintStream out, PrintStream err, String first) {
    return newCommandLine(new GridCli(env, out, err), first);
  }

  /** As above, for a {@link GridCli} made by the caller (its terminal, its clocks). */
  static CommandLine newCommandLine(GridCli cli, String first) {
    PrintStream out = cli.out;
    PrintStream err = cli.err;
    // the root's options first: an inherited option reaches the subcommands added after it
    CommandLine line = new CommandLine(cli.spec());
    if (first != null && SUBCOMMANDS.contains(first)) {
      line.addSubcommand(first, cli.subcommand(first));
    } else {
      for (String name : SUBCOMMANDS) {
        line.addSubcommand(name, cli.subcommand(name));
      }
    }
    line.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    line.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    line.setCaseInsensitiveEnumValuesAllowed(true);
    line.registerConverter(JobId.class, new Converter<>(JobId::of));
    line.registerConverter(JobState.class, new Converter<>(JobState::parse));
    line.registerConverter(MisfirePolicy.class, new Converter<>(MisfirePolicy::parse));
    line.registerConverter(OverlapPolicy.class, new Converter<>(OverlapPolicy::parse));
    // everything after the command's first word belongs to it: `submit ls -l` runs `ls -l`
    Map<String, CommandLine> added = line.getSubcommands();
    if (added.containsKey("submit")) {
      added.get("submit").setStopAtPositional(true);
    }
    if (added.containsKey("schedule")) {
      added.get("schedule").getSubcommands().get("add").setStopAtPositional(true);
    }
    line.setParameterExceptionHandler(new UsageError(err));
    line.setExecutionExceptionHandler(new CommandError(err));
    return line;
  }

  /*
   * The converters and handlers below are classes, not lambdas, for the class-data archive that
   * bin/_grid.sh makes: picocli's interfaces are Java 5 class files, and JDK 17 leaves such a class
   * out of the archive once it has been linked while dumping, which a lambda implementing it
   * causes. With lambdas here, ITypeConverter and with it picocli's 29 built-in converters, the two
   * handler interfaces and the lambdas themselves were loaded from the jars and verified at every
   * start (and each lambda's class generated anew).
   */

  /** Reads a value of one of the grid's types; the type's own message says what was wrong. */
  private static final class Converter<T> implements ITypeConverter<T> {
    private final Function<String, T> parse;

    Converter(Function<String, T> parse) {
      this.parse = parse;
    }

    @Override
    public T convert(String text) {
      try {
        return parse.apply(text);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A wrong command line: one {@code error:} line, exit code {@link #USAGE}. */
  private static final class UsageError implements IParameterExceptionHandler {
    private final PrintStream err;

    UsageError(PrintStream err) {
      this.err = err;
    }

    @Override
    public int handleParseException(ParameterException e, String[] args) {
      err.println("error: " + oneLine(e.getMessage()) + " (see --help)");
      return USAGE;
    }
  }

  /** A command that failed: one {@code error:} line, exit code {@link #ERROR} or the command's. */
  private static final class CommandError implements IExecutionExceptionHandler {
    private final PrintStream err;

    CommandError(PrintStream err) {
      this.err = err;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
      err.println("error: " + message(e));
      // picocli's default for a command is 1, our ERROR; `storage check` says 3
      return cmd.getCommandSpec().exitCodeOnExecutionException();
    }
  }

  private CommandSpec spec() {
    urls =
        OptionSpec.builder("--url")
            .scopeType(ScopeType.INHERIT)
            .paramLabel("URLS")
            .type(String.class)
            .description(
                "Comma-separated node URLs (default: $GRID_URL, else "
                    + GridClient.DEFAULT_URL
                    + ").")
            .build();
    tokenFile =
        OptionSpec.builder("--token-file")
            .scopeType(ScopeType.INHERIT)
            .paramLabel("FILE")
            .type(Path.class)
            .description("File holding the grid's token (default: the token in $GRID_TOKEN).")
            .build();
    caFile =
        OptionSpec.builder("--ca-file")
            .scopeType(ScopeType.INHERIT)
            .paramLabel("PEM")
            .type(Path.class)
            .description(
                "CA certificates (PEM) that https:// nodes must be signed by (default:"
                    + " $GRID_CA_FILE, else the JVM's trusted CAs).")
            .build();
    CommandSpec spec =
        Specs.command(
            "grid",
            this,
            "Submit and inspect jobs and cron schedules on the grid; look after its storage.");
    spec.version("grid 0.1");
    spec.addOption(urls);
    spec.addOption(tokenFile);
    spec.addOption(caFile);
    return spec;
  }

  /** The model of a new instance of the subcommand with that name (one of {@link #SUBCOMMANDS}). */
  CommandSpec subcommand(String name) {
    return switch (name) {
      case "submit" -> new SubmitCommand(this).spec();
      case "status" -> new StatusCommand(this).spec();
      case "result" -> new ResultCommand(this).spec();
      case "jobs" -> new JobsCommand(this).spec();
      case "logs" -> new LogsCommand(this).spec();
      case "cancel" -> new CancelCommand(this).spec();
      case "hold" -> new JobActionCommand(this, JobActionCommand.Action.HOLD).spec();
      case "release" -> new JobActionCommand(this, JobActionCommand.Action.RELEASE).spec();
      case "requeue" -> new JobActionCommand(this, JobActionCommand.Action.REQUEUE).spec();
      case "queue" -> new QueueCommand(this).spec();
      case "nodes" -> new NodesCommand(this).spec();
      case "drain" -> new DrainCommand(this, true).spec();
      case "undrain" -> new DrainCommand(this, false).spec();
      case "report" -> new ReportCommand(this).spec();
      case "schedule" -> new ScheduleCommand(this).spec();
      case "storage" -> new StorageCommand(this).spec();
      default -> throw new IllegalArgumentException("no subcommand " + name);
    };
  }

  /** A client for the URLs, token and CA file the user gave, or the environment's. */
  GridClient client() {
    return client(GridClient.builder());
  }

  /** As {@link #client()}, waiting up to {@code requestTimeout} for each answer. */
  GridClient client(Duration requestTimeout) {
    return client(GridClient.builder().requestTimeout(requestTimeout));
  }

  private GridClient client(GridClientBuilder builder) {
    builder.nodes(urls()).token(token());
    Path ca = this.caFile == null ? null : this.caFile.<Path>getValue();
    String fromEnv = env.get("GRID_CA_FILE");
    if (ca == null && fromEnv != null && !fromEnv.isBlank()) {
      ca = Path.of(fromEnv.strip());
    }
    if (ca != null) {
      builder.caFile(local(ca));
    }
    return builder.build();
  }

  private List<URI> urls() {
    String option = urls == null ? null : urls.getValue();
    String given = option != null ? option : env.get("GRID_URL");
    String text = given == null || given.isBlank() ? GridClient.DEFAULT_URL : given;
    return GridClient.parseUrls(text);
  }

  private String token() {
    Path tokenFile = this.tokenFile == null ? null : this.tokenFile.<Path>getValue();
    if (tokenFile != null) {
      String token;
      try {
        token = Files.readString(local(tokenFile), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new GridException(
            "cannot read token file '"
                + tokenFile
                + "' ("
                + e.getClass().getSimpleName()
                + "): "
                + "give the file the nodes were started with");
      }
      if (token.isEmpty()) {
        throw new GridException(
            "token file '" + tokenFile + "' is empty: put the grid's token in it");
      }
      return token;
    }
    String token = env.get("GRID_TOKEN");
    if (token == null || token.isBlank()) {
      throw new GridException(
          "no token: set GRID_TOKEN to the grid's token, or pass --token-file FILE (the file the"
              + " nodes were started with)");
    }
    return token.strip();
  }

  /**
   * A path of the command line as the caller meant it: a relative one against the caller's working
   * directory. Messages keep naming the path as it was given.
   */
  Path local(Path given) {
    return cwd == null || given.isAbsolute() ? given : cwd.resolve(given);
  }

  /**
   * Waits for a future, turning its failure back into the exception that caused it. An interrupt
   * (the {@link ResidentClient}'s caller went away) ends the wait with a {@link GridException}.
   */
  static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw new CompletionException(e.getCause()); // as join() throws it
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GridException("interrupted while waiting: the caller went away");
    }
  }

  /** Writes raw bytes to a stream, flushing so they are not held back. */
  static void writeRaw(PrintStream stream, byte[] bytes) {
    stream.write(bytes, 0, bytes.length);
    stream.flush();
  }

  /** The one line a user sees for an error: our own messages as they are, others with a type. */
  static String message(Throwable e) {
    Throwable cause = e;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String text = cause.getMessage();
    boolean ours =
        cause instanceof GridException
            || cause instanceof IllegalArgumentException
            || cause instanceof UncheckedIOException;
    return ours && text != null
        ? oneLine(text)
        : oneLine(cause.getClass().getSimpleName() + (text == null ? "" : ": " + text));
  }

  /** A word as a POSIX shell reads it back: as it is if plain, else in single quotes. */
  static String shellQuoted(String word) {
    return word.matches("[A-Za-z0-9._,:/=@%+-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
  }

  static String oneLine(String text) {
    return text == null ? "unknown error" : text.replaceAll("\\s*[\\r\\n]+\\s*", "; ").strip();
  }
}
