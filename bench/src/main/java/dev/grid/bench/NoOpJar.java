package dev.grid.bench;

import dev.grid.bench.job.NoOpJob;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * The jar of {@link NoOpJob}, built by the bench from the class file it was built with, so a grid
 * runs exactly the class the raw executor runs. Its bytes are the same from run to run (a fixed
 * entry time), so a grid that already holds it uploads nothing again.
 */
final class NoOpJar {
  static final String CLASS_NAME = NoOpJob.class.getName();
  private static final FileTime FIXED_TIME = FileTime.fromMillis(1_767_225_600_000L); // 2026-01-01

  private NoOpJar() {}

  /** Writes the jar as {@code dir/noop-job.jar} and returns its path. */
  static Path write(Path dir) {
    String entry = CLASS_NAME.replace('.', '/') + ".class";
    Path jar = dir.resolve("noop-job.jar");
    try (InputStream in = NoOpJob.class.getClassLoader().getResourceAsStream(entry)) {
      if (in == null) {
        throw new IllegalStateException(
            "the class file "
                + entry
                + " is not on the bench's"
                + " class path: rebuild the bench (mvn -DskipTests -pl bench -am package)");
      }
      byte[] bytes = in.readAllBytes();
      Files.createDirectories(dir);
      try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
        JarEntry e = new JarEntry(entry);
        e.setLastModifiedTime(FIXED_TIME);
        out.putNextEntry(e);
        out.write(bytes);
        out.closeEntry();
      }
      return jar;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the no-op job's jar " + jar, e);
    }
  }
}
