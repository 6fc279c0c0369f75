package dev.grid.node.exec;

import dev.grid.api.GridJob;
import dev.grid.api.JobContext;
import dev.grid.api.JobId;
import dev.grid.api.internal.ResultCodec;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * The main class of a child JVM that runs one isolated Java job: {@code IsolatedJob JAR CLASS
 * ARGS...}, in the job's scratch directory. It loads the class as a worker would (its own class
 * loader over the JDK and {@code dev.grid.api} only), runs it with the process's stdout and stderr
 * as the job's, and leaves what happened in files of its working directory for the worker: {@value
 * #RESULT} and {@value #RESULT_TEXT} when the job returned a value, {@value #FAILURE} (one line)
 * when it could not be loaded or threw. Exit code 0 when the job returned. The worker leaves it the
 * results of the job's parents in {@value #PARENTS} (see {@link #writeParents}), and the task's
 * index is its {@code GRID_ARRAY_INDEX}.
 *
 * <p>A timeout or cancel kills this process like any shell job's, so even a job that ignores
 * interrupts is stopped.
 */
public final class IsolatedJob {
  static final String RESULT = "grid-result";
  static final String RESULT_TEXT = "grid-result.txt";
  static final String FAILURE = "grid-failure.txt";
  static final String PARENTS = "grid-parents";
  static final String PARENTS_ERROR = "grid-parents-error.txt";
  static final String JAR = "grid-job.jar";

  private IsolatedJob() {}

  /** Runs the job; see the class comment for the arguments and the files it leaves. */
  public static void main(String[] argv) throws IOException {
    if (argv.length < 2) {
      System.err.println("usage: IsolatedJob JAR CLASS [ARGS...]");
      System.exit(2);
    }
    Path jar = Path.of(argv[0]);
    String className = argv[1];
    List<String> args = List.copyOf(Arrays.asList(argv).subList(2, argv.length));
    Path here = Path.of("").toAbsolutePath();
    int code;
    try (URLClassLoader loader =
        new URLClassLoader(
            "grid-jar",
            new URL[] {jar.toUri().toURL()},
            new ApiOnlyClassLoader(GridJob.class.getClassLoader()))) {
      Thread.currentThread().setContextClassLoader(loader);
      GridJob<?> job = JobClasses.instantiate(loader, className, jar.getFileName().toString());
      Object value = job.run(new ProcessContext(args));
      if (value != null) {
        Files.write(here.resolve(RESULT), ResultCodec.encode(value, job.resultTypes()));
        Files.writeString(
            here.resolve(RESULT_TEXT), JobClasses.text(value), StandardCharsets.UTF_8);
      }
      code = 0;
    } catch (JobClasses.JobLoadException e) {
      System.err.println("error: " + e.getMessage());
      fail(here, e.getMessage());
      code = 1;
    } catch (Throwable t) { // whatever the job throws becomes its failure
      Throwable cause = t instanceof InvocationTargetException ite ? ite.getCause() : t;
      cause.printStackTrace();
      fail(here, "the job threw " + cause + JobClasses.where(cause));
      code = 1;
    }
    System.out.flush();
    System.err.flush();
    System.exit(code); // the job may have left non-daemon threads
  }

  /**
   * Writes the parents' results for the child JVM, in the scratch directory, before it starts:
   * their count, then per parent its id and its result's length (-1 for null) and bytes. If they
   * cannot be fetched, the reason goes to {@value #PARENTS_ERROR} instead, and the job sees it only
   * if it asks for them.
   */
  static void writeParents(ParentResults parents, Path dir) throws IOException {
    if (parents == ParentResults.NONE) {
      return;
    }
    Files.createDirectories(dir);
    List<ParentResults.Stored> stored;
    try {
      stored = parents.fetch();
    } catch (RuntimeException e) {
      Files.writeString(
          dir.resolve(PARENTS_ERROR), String.valueOf(e.getMessage()), StandardCharsets.UTF_8);
      return;
    }
    try (DataOutputStream out =
        new DataOutputStream(
            new BufferedOutputStream(Files.newOutputStream(dir.resolve(PARENTS))))) {
      out.writeInt(stored.size());
      for (ParentResults.Stored s : stored) {
        out.writeUTF(s.job().value());
        out.writeInt(s.bytes() == null ? -1 : s.bytes().length);
        if (s.bytes() != null) {
          out.write(s.bytes());
        }
      }
    }
  }

  private static List<ParentResults.Stored> readParents(Path here) {
    try {
      Path error = here.resolve(PARENTS_ERROR);
      if (Files.exists(error)) {
        throw new IllegalStateException(Files.readString(error, StandardCharsets.UTF_8));
      }
      Path file = here.resolve(PARENTS);
      if (!Files.exists(file)) {
        return List.of();
      }
      try (DataInputStream in =
          new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
        int count = in.readInt();
        List<ParentResults.Stored> stored = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          JobId id = JobId.of(in.readUTF());
          int length = in.readInt();
          stored.add(new ParentResults.Stored(id, length < 0 ? null : in.readNBytes(length)));
        }
        return stored;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "the parents' results left by the worker could not be read", e);
    }
  }

  private static void fail(Path here, String message) throws IOException {
    Files.writeString(here.resolve(FAILURE), message.replace('\n', ' '), StandardCharsets.UTF_8);
  }

  /** The context of a job that has its own process: its output is the process's. */
  private static final class ProcessContext implements JobContext {
    private final List<String> args;
    private volatile boolean cancelled;

    ProcessContext(List<String> args) {
      this.args = args;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> cancelled = true));
    }

    @Override
    public JobId jobId() {
      return JobId.of(System.getenv("GRID_JOB_ID"));
    }

    @Override
    public int attempt() {
      return Integer.parseInt(System.getenv().getOrDefault("GRID_ATTEMPT", "1"));
    }

    @Override
    public List<String> args() {
      return args;
    }

    @Override
    public OptionalInt arrayIndex() {
      String index = System.getenv("GRID_ARRAY_INDEX");
      return index == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(index));
    }

    @Override
    public <T> List<T> parentResults(Class<T> type, Class<?>... more) {
      return ParentResults.decode(readParents(Path.of("").toAbsolutePath()), type, more);
    }

    @Override
    public PrintStream out() {
      return System.out;
    }

    @Override
    public PrintStream err() {
      return System.err;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }
  }
}
