package dev.grid.node.exec;

import dev.grid.api.GridJob;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One class loader per job jar, shared by the jobs of that jar that run at the same time, and
 * closed once no job has used it for {@code idle}.
 *
 * <p>Concurrency: every change of the map or of a count happens under this object's lock, so a
 * loader is closed only while its count is zero and nobody can take it between the check and the
 * close. Closing happens on the next {@link #acquire} or {@link #release} after the idle time (or
 * on {@link #close}), so no timer thread is needed; a node with no Java jobs holds no loaders.
 */
final class JobClassLoaders implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JobClassLoaders.class);

  private final Clock clock;
  private final Duration idle;
  private final ClassLoader parent = new ApiOnlyClassLoader(GridJob.class.getClassLoader());
  private final Map<String, Entry> loaders = new HashMap<>();
  private boolean closed;

  private static final class Entry {
    final URLClassLoader loader;
    int users;
    long idleSince;

    Entry(URLClassLoader loader) {
      this.loader = loader;
    }
  }

  /** A loader in use by one job; give it back with {@link #close()}, once. */
  final class Lease implements AutoCloseable {
    private final String sha;
    private final ClassLoader loader;
    private boolean released;

    private Lease(String sha, ClassLoader loader) {
      this.sha = sha;
      this.loader = loader;
    }

    ClassLoader loader() {
      return loader;
    }

    @Override
    public void close() {
      synchronized (JobClassLoaders.this) {
        if (released) {
          return;
        }
        released = true;
        release(sha);
      }
    }
  }

  JobClassLoaders(Clock clock, Duration idle) {
    this.clock = clock;
    this.idle = idle;
  }

  /**
   * The loader of the jar with this hash, made from the local file if there is none yet.
   *
   * @throws IllegalStateException if this cache is closed
   */
  synchronized Lease acquire(String sha, Path jar) {
    if (closed) {
      throw new IllegalStateException("the node is stopping: no new Java jobs");
    }
    closeIdle();
    Entry entry = loaders.get(sha);
    if (entry == null) {
      entry =
          new Entry(
              new URLClassLoader("grid-jar-" + sha.substring(0, 12), new URL[] {url(jar)}, parent));
      loaders.put(sha, entry);
    }
    entry.users++;
    return new Lease(sha, entry.loader);
  }

  /** How many jar loaders are open now. */
  synchronized int open() {
    return loaders.size();
  }

  /** Closes the loaders idle for longer than the idle time; for tests and housekeeping. */
  synchronized void closeIdle() {
    long now = clock.millis();
    List<String> expired = new ArrayList<>();
    loaders.forEach(
        (sha, e) -> {
          if (e.users == 0 && now - e.idleSince >= idle.toMillis()) {
            expired.add(sha);
          }
        });
    for (String sha : expired) {
      closeLoader(sha, loaders.remove(sha));
    }
  }

  private void release(String sha) {
    Entry entry = loaders.get(sha);
    if (entry == null) {
      return; // closed with the cache
    }
    entry.users--;
    if (entry.users == 0) {
      entry.idleSince = clock.millis();
    }
    closeIdle();
  }

  /** Closes every loader, in use or not (the node is stopping). Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    loaders.forEach(this::closeLoader);
    loaders.clear();
  }

  private void closeLoader(String sha, Entry entry) {
    try {
      entry.loader.close();
      log.debug("closed the class loader of jar {}", sha);
    } catch (IOException e) {
      log.warn("closing the class loader of jar {} failed", sha, e);
    }
  }

  private static URL url(Path jar) {
    try {
      return jar.toUri().toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("jar path " + jar + " is not a URL", e);
    }
  }
}
