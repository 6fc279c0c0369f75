package dev.grid.node;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds real job jars in tests: compiles Java sources (against this JVM's class path, so they see
 * {@code dev.grid.api}) with the JDK's compiler and packs the classes into a jar.
 */
public final class TestJars {
  private TestJars() {}

  /**
   * Compiles the sources and writes them as a jar.
   *
   * @param sources class name (like {@code com.example.Pi}) to its source text
   * @return the jar, {@code dir/name.jar}
   */
  public static Path build(Path dir, String name, Map<String, String> sources) {
    try {
      Path src = Files.createDirectories(dir.resolve(name + "-src"));
      Path classes = Files.createDirectories(dir.resolve(name + "-classes"));
      List<String> args =
          new ArrayList<>(
              List.of(
                  "-d",
                  classes.toString(),
                  "-classpath",
                  System.getProperty("java.class.path"),
                  "--release",
                  "17",
                  "-proc:none"));
      for (Map.Entry<String, String> e : sources.entrySet()) {
        Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, e.getValue());
        args.add(file.toString());
      }
      JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
      StringWriter errors = new StringWriter();
      OutputStream err =
          new OutputStream() {
            @Override
            public void write(int b) {
              errors.write(b);
            }
          };
      if (javac.run(null, err, err, args.toArray(String[]::new)) != 0) {
        throw new IllegalStateException("test sources did not compile:\n" + errors);
      }
      Path jar = dir.resolve(name + ".jar");
      try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
          Stream<Path> files = Files.walk(classes)) {
        for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
          out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
          out.write(Files.readAllBytes(f));
          out.closeEntry();
        }
      }
      return jar;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A source text from lines, for readability in tests. */
  public static String lines(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
