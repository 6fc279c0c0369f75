package dev.grid.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the resident client's class path looked like: each jar's size and modification time, and
 * which jars each of their folders holds (a {@code lib/*} entry takes every jar there, so a jar
 * added or removed counts). A rebuild changes it, and a resident client that sees its stamp change
 * stops serving: its classes are no longer the checkout's. Only jars count: the class-data archive
 * written next to {@code grid-cli.jar} is not a change.
 */
record JarStamp(List<String> entries) {
  /** The stamp of the class path this JVM was started with. */
  static JarStamp ofThisJvm() {
    List<Path> paths = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        paths.add(Path.of(entry));
      }
    }
    return of(paths);
  }

  /** The stamp of these files, and of the jars in the folders that hold them. */
  static JarStamp of(List<Path> classPath) {
    List<String> entries = new ArrayList<>();
    Set<Path> folders = new LinkedHashSet<>();
    for (Path path : classPath) {
      Path absolute = path.toAbsolutePath();
      entries.add(absolute + " " + describe(absolute));
      if (absolute.getParent() != null) {
        folders.add(absolute.getParent());
      }
    }
    for (Path folder : folders) {
      entries.add(folder + "/*.jar " + jarsIn(folder));
    }
    return new JarStamp(List.copyOf(entries));
  }

  private static String describe(Path path) {
    try {
      BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
      return attributes.size() + " " + attributes.lastModifiedTime().toMillis();
    } catch (IOException e) {
      return "missing";
    }
  }

  private static List<String> jarsIn(Path folder) {
    try (Stream<Path> files = Files.list(folder)) {
      return files
          .map(file -> file.getFileName().toString())
          .filter(file -> file.endsWith(".jar"))
          .sorted()
          .toList();
    } catch (IOException e) {
      return List.of("missing");
    }
  }
}
