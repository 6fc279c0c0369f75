package dev.grid.api;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A Java job: a {@link GridJob} class in a jar the grid already holds, and its arguments.
 *
 * <pre>{@code
 * String jar = grid.uploadJar(Path.of("target/app.jar"));   // uploads only if the grid lacks it
 * JobSpec pi = JobSpec.java(jar, "com.example.Pi", "1000000");
 * }</pre>
 *
 * @param jarSha256 the SHA-256 of the jar's bytes, 64 lowercase hex digits (what {@link
 *     GridClient#uploadJar} returns)
 * @param className the binary name of a public class implementing {@link GridJob} with a public
 *     no-argument constructor, like {@code com.example.Pi}
 * @param args the arguments the job sees in {@link JobContext#args()}
 * @param isolated run the job in a child JVM of its own rather than on a thread of the worker's
 *     JVM: slower to start (a JVM each time), but a timeout or cancel kills it for sure, and it
 *     cannot harm the node's heap
 */
public record JavaTask(String jarSha256, String className, List<String> args, boolean isolated) {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern CLASS_NAME =
      Pattern.compile("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*");

  /** Validates eagerly; a bad value is named in the message. */
  public JavaTask {
    Objects.requireNonNull(jarSha256, "jarSha256");
    Objects.requireNonNull(className, "className");
    jarSha256 = jarSha256.toLowerCase(Locale.ROOT);
    if (!SHA256.matcher(jarSha256).matches()) {
      throw new IllegalArgumentException(
          "jar hash '"
              + jarSha256
              + "' is not a SHA-256: give 64"
              + " hex digits, as GridClient.uploadJar returns");
    }
    if (!CLASS_NAME.matcher(className).matches()) {
      throw new IllegalArgumentException(
          "class name '"
              + className
              + "' is not a Java class"
              + " name: give its binary name, like com.example.Pi (nested: com.example.Outer$Job)");
    }
    args = args == null ? List.of() : List.copyOf(args);
  }

  /** A job run on a thread of the worker's JVM. */
  public JavaTask(String jarSha256, String className, List<String> args) {
    this(jarSha256, className, args, false);
  }

  /** This job, run in a child JVM of its own: {@code spec.withJava(spec.java().inChildJvm())}. */
  public JavaTask inChildJvm() {
    return new JavaTask(jarSha256, className, args, true);
  }

  /** The job as a person would read it: {@code java com.example.Pi 1000 (jar 3f2a9c1b...)}. */
  public String display() {
    return "java "
        + className
        + (args.isEmpty() ? "" : " " + String.join(" ", args))
        + " (jar "
        + jarSha256.substring(0, 12)
        + (isolated ? ", own JVM" : "")
        + ")";
  }
}
