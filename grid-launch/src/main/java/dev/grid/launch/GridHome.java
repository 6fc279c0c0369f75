package dev.grid.launch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the checkout whose built node jar the launcher runs: the system property {@value #PROPERTY}
 * if set, else the nearest directory, from the working directory up, that holds {@value #NODE_JAR}.
 */
public final class GridHome {
  /** The system property that names the grid's home directory. */
  public static final String PROPERTY = "grid.home";

  /** The node jar, relative to the home directory. */
  public static final String NODE_JAR = "grid-node/target/grid-node.jar";

  /** The node's runtime libraries, relative to the home directory. */
  public static final String NODE_LIB = "grid-node/target/lib";

  private GridHome() {}

  /** The home directory, from {@value #PROPERTY} or the working directory. */
  public static Path find() {
    String property = System.getProperty(PROPERTY);
    if (property != null && !property.isBlank()) {
      return check(Path.of(property));
    }
    Path start = Path.of("").toAbsolutePath();
    return findFrom(start)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "no built grid found from "
                        + start
                        + " upwards (looked for "
                        + NODE_JAR
                        + "): build it with `mvn -q -DskipTests package`, or set -D"
                        + PROPERTY
                        + "=DIR"));
  }

  /** The nearest directory from {@code start} up that holds the node jar. */
  static Optional<Path> findFrom(Path start) {
    for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(NODE_JAR))) {
        return Optional.of(dir);
      }
    }
    return Optional.empty();
  }

  /** Refuses a home directory without the built node jar, naming it. */
  static Path check(Path home) {
    Path absolute = home.toAbsolutePath().normalize();
    if (!Files.isRegularFile(absolute.resolve(NODE_JAR))) {
      throw new IllegalStateException(
          "grid home "
              + absolute
              + " has no "
              + NODE_JAR
              + ": build it with `mvn -q -DskipTests package` there");
    }
    return absolute;
  }
}
