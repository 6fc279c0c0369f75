package dev.grid.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Where a blob key lives under the store's root, and back: each {@code /}-separated segment of the
 * key is a directory, the last one a file whose name ends in {@code @}. Keys never contain
 * {@code @} (see {@link BlobStore#checkKey}), so names with it are the store's own and cannot
 * collide with a key's:
 *
 * <ul>
 *   <li>{@code seg@} is the blob file of a last segment {@code seg}; the key {@code a} and the keys
 *       under {@code a/} live side by side as {@code a@} and directory {@code a}.
 *   <li>{@code @.} is the directory of the segment {@code .} (a directory named {@code .} would be
 *       its own parent, so {@code a/./b} would be {@code a/b}).
 *   <li>{@code piece@+} is the first {@value #PIECE} characters of a longer segment, continued in
 *       the entry below it, so no file name exceeds the usual 255-byte limit.
 *   <li>{@code @tmp-...} is a blob being written; {@code @lock} holds the store's lock.
 * </ul>
 *
 * <p>Names are built only from a checked key, never from a prefix, so no path leaves the root.
 * Listing walks only the directories a prefix can reach and decodes names, reading no file.
 */
final class DiskPaths {
  static final int PIECE = 200;
  static final String TEMP_PREFIX = "@tmp-";
  static final String LOCK_NAME = "@lock";
  private static final String BLOB_SUFFIX = "@";
  private static final String CONTINUED_SUFFIX = "@+";
  private static final String DOT_DIRECTORY = "@.";

  private final Path root;

  DiskPaths(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  /** The blob file of a key already checked by {@link BlobStore#checkKey}. */
  Path fileOf(String key) {
    Path path = root;
    String[] segments = key.split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      String segment = segments[i];
      while (segment.length() > PIECE) {
        path = path.resolve(segment.substring(0, PIECE) + CONTINUED_SUFFIX);
        segment = segment.substring(PIECE);
      }
      boolean last = i == segments.length - 1;
      path = path.resolve(last ? segment + BLOB_SUFFIX : directoryName(segment));
    }
    if (!path.normalize().startsWith(root) || path.getNameCount() <= root.getNameCount()) {
      throw new IllegalArgumentException("blob key '" + key + "' maps outside " + root);
    }
    return path;
  }

  private static String directoryName(String segment) {
    return segment.equals(".") ? DOT_DIRECTORY : segment;
  }

  static boolean isTemp(Path file) {
    return file.getFileName().toString().startsWith(TEMP_PREFIX);
  }

  /**
   * Visits every blob whose key starts with the prefix (in no particular order), descending only
   * into directories whose keys could start with it. Temp files go to {@code temps}; a directory
   * that vanishes during the walk (a delete pruned it) is simply not there.
   */
  void walk(String prefix, BiConsumer<String, Path> blobs, Consumer<Path> temps) {
    walk(root, "", prefix, blobs, temps);
  }

  private void walk(
      Path dir,
      String keySoFar,
      String prefix,
      BiConsumer<String, Path> blobs,
      Consumer<Path> temps) {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.startsWith(TEMP_PREFIX)) {
          temps.accept(entry);
        } else if (name.endsWith(BLOB_SUFFIX) && plain(name, BLOB_SUFFIX)) {
          String key = keySoFar + name.substring(0, name.length() - BLOB_SUFFIX.length());
          if (key.startsWith(prefix) && isKey(key) && Files.isRegularFile(entry)) {
            blobs.accept(key, entry);
          }
        } else {
          String below = directoryKey(keySoFar, name);
          if (below != null && (below.startsWith(prefix) || prefix.startsWith(below))) {
            walk(entry, below, prefix, blobs, temps);
          }
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      // pruned by a concurrent delete, or a stray file: nothing of ours below
    } catch (IOException e) {
      throw new UncheckedIOException("listing the blob directory " + dir + " failed", e);
    }
  }

  /** The key prefix of the entries below directory {@code name}; null for a name not ours. */
  private static String directoryKey(String keySoFar, String name) {
    if (name.equals(DOT_DIRECTORY)) {
      return keySoFar + "./";
    }
    if (name.endsWith(CONTINUED_SUFFIX) && plain(name, CONTINUED_SUFFIX)) {
      return keySoFar + name.substring(0, name.length() - CONTINUED_SUFFIX.length());
    }
    return name.indexOf('@') < 0 ? keySoFar + name + "/" : null;
  }

  /** False for a name decoded from a file not ours (a key would have been refused). */
  private static boolean isKey(String key) {
    try {
      BlobStore.checkKey(key);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** True if the name is a key segment (no '@', not empty) followed by the suffix. */
  private static boolean plain(String name, String suffix) {
    int length = name.length() - suffix.length();
    return length > 0 && name.lastIndexOf('@', length - 1) < 0;
  }
}
