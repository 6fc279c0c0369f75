package dev.grid.node.exec;

import java.nio.file.Path;

/** Where a worker gets a job jar from: a verified local copy of the jar with the given hash. */
@FunctionalInterface
public interface JarSource {

  /**
   * A local file holding exactly the jar with this SHA-256, fetched if needed.
   *
   * @throws dev.grid.api.GridException if the grid does not hold the jar, or what it holds does not
   *     match the hash; the message says which
   */
  Path localJar(String sha256);
}
