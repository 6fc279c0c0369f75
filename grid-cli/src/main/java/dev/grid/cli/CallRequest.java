package dev.grid.cli;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One request to the {@link ResidentClient}, as {@code bin/_grid.sh} sends it once both sides have
 * proved who they are: fields each ended by a NUL byte (a NUL cannot occur in an argument, a path
 * or an environment value, so nothing needs quoting in bash's {@code printf '%s\0'}):
 *
 * <pre>
 * OP            run, status or stop
 * N ARG1 ... ARGN   the command line after bin/ (submit --wait -- true: N = 4)
 * CWD           the caller's working directory (absolute)
 * M K1=V1 ... KM=VM the environment the CLI reads (GRID_*), and what this JVM's own depends on
 * TTY           three digits, 1 where stdin, stdout, stderr are terminals
 * </pre>
 *
 * <p>The CLI reads the third digit: on a terminal, a wait shows its progress as one line redrawn in
 * place (help too differs on a terminal, and runs in a JVM of its own: {@link
 * GridCli#runsAlikeElsewhere}). {@code status} and {@code stop} end after OP. Reading is bounded:
 * {@link Limits} caps the bytes, the arguments and the variables, and a caller that exceeds one is
 * cut off before anything runs.
 */
record CallRequest(
    String op, List<String> args, Path cwd, Map<String, String> env, String terminals) {

  /**
   * What a request may hold. {@code bin/_grid.sh} sends a command line larger than these itself.
   */
  record Limits(int maxBytes, int maxArgs, int maxEnv) {
    static final Limits DEFAULT = new Limits(1 << 20, 100_000, 1_000);
  }

  /** A request that broke the protocol or a limit: the connection is closed, nothing runs. */
  static final class Refused extends IOException {
    Refused(String message) {
      super(message);
    }
  }

  /**
   * Reads one request.
   *
   * @param charset how this JVM decodes its own arguments and environment ({@code
   *     sun.jnu.encoding}): the caller's bytes become the same strings as in a JVM of its own
   * @throws Refused if the request breaks the protocol or a limit
   * @throws IOException if the connection fails or times out
   */
  static CallRequest read(InputStream in, Limits limits, Charset charset) throws IOException {
    Fields fields = new Fields(in, limits.maxBytes(), charset);
    String op = fields.next();
    if (!op.equals("run")) {
      if (op.equals("status") || op.equals("stop")) {
        return new CallRequest(op, List.of(), null, Map.of(), "000");
      }
      throw new Refused("unknown request " + op);
    }
    int argCount = fields.count(limits.maxArgs());
    List<String> args = new ArrayList<>(argCount);
    for (int i = 0; i < argCount; i++) {
      args.add(fields.next());
    }
    Path cwd;
    try {
      cwd = Path.of(fields.next());
    } catch (InvalidPathException e) {
      throw new Refused("working directory is no path");
    }
    if (!cwd.isAbsolute()) {
      throw new Refused("working directory is not absolute");
    }
    int envCount = fields.count(limits.maxEnv());
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < envCount; i++) {
      String entry = fields.next();
      int equals = entry.indexOf('=');
      if (equals < 1) {
        throw new Refused("environment entry without a name");
      }
      env.put(entry.substring(0, equals), entry.substring(equals + 1));
    }
    String terminals = fields.next();
    if (!terminals.matches("[01]{3}")) {
      throw new Refused("terminals field is not three digits");
    }
    return new CallRequest(op, List.copyOf(args), cwd, Map.copyOf(env), terminals);
  }

  /** NUL-ended fields, no more than a budget of bytes in all. */
  private static final class Fields {
    private final InputStream in;
    private final Charset charset;
    private final ByteArrayOutputStream field = new ByteArrayOutputStream();
    private int budget;

    Fields(InputStream in, int budget, Charset charset) {
      this.in = in;
      this.budget = budget;
      this.charset = charset;
    }

    String next() throws IOException {
      field.reset();
      while (true) {
        int b = in.read();
        if (b < 0) {
          throw new EOFException("request ended early");
        }
        if (--budget < 0) {
          throw new Refused("request larger than the limit");
        }
        if (b == 0) {
          return field.toString(charset);
        }
        field.write(b);
      }
    }

    int count(int max) throws IOException {
      String text = next();
      if (!text.matches("[0-9]{1,9}")) {
        throw new Refused("count is not a number");
      }
      int count = Integer.parseInt(text);
      if (count > max) {
        throw new Refused("count " + count + " over the limit of " + max);
      }
      return count;
    }
  }
}
