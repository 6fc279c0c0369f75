package dev.grid.node;

import dev.grid.api.GridException;
import dev.grid.node.exec.JarSource;
import dev.grid.storage.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Job jars in the blob store, once each, under {@code jars/<sha256>}; and this node's verified
 * local copies of them under {@code DATA_DIR/jar-cache}, for class loaders to read.
 *
 * <p>Every byte that enters is checked: an upload is spooled to a local file and stored only if its
 * SHA-256 is the one it was sent under; a local copy is fetched to a temporary file and moved into
 * place only if its SHA-256 matches. A stored jar is never replaced by other bytes, since its key
 * is its content.
 */
final class JarStore implements JarSource {
  static final String PREFIX = "jars/";
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final BlobStore blobs;
  private final Path cacheDir;
  private final Path uploadDir;
  private final Map<String, Object> fetchLocks = new ConcurrentHashMap<>();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final AtomicLong stored = new AtomicLong();

  JarStore(BlobStore blobs, Path dataDir) {
    this.blobs = blobs;
    this.cacheDir = dataDir.resolve("jar-cache");
    this.uploadDir = dataDir.resolve("jar-upload");
    try {
      Files.createDirectories(cacheDir);
      Files.createDirectories(uploadDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the jar directories under " + dataDir, e);
    }
  }

  /** The blob key of the jar with this hash. */
  static String key(String sha256) {
    return PREFIX + checkSha(sha256);
  }

  /**
   * True if the grid holds the jar, as far as this node knows: a jar seen once is taken as there
   * from then on, without asking the store again. The grid deletes no jar (its key is its content),
   * so only the loss of every copy makes that wrong, and then the job's run fails naming the jar.
   * The check of a submit asks here: otherwise every Java job's submit waited for a lookup of the
   * jar's metadata on another node.
   */
  boolean has(String sha256) {
    return seen.contains(sha256) || inGrid(sha256);
  }

  /** True if the store holds the jar now (asked every time: an upload must see a lost jar). */
  boolean inGrid(String sha256) {
    boolean there = blobs.exists(key(sha256));
    if (there) {
      seen.add(sha256);
    }
    return there;
  }

  /** How many jars this node has stored since it started (uploads that were not no-ops). */
  long stored() {
    return stored.get();
  }

  /**
   * Stores an uploaded jar under its hash, unless the grid already holds it.
   *
   * @return true if the bytes were stored, false if the jar was already there
   * @throws IllegalArgumentException if the bytes' SHA-256 is not {@code sha256}, naming both
   */
  boolean store(String sha256, InputStream body) {
    String key = key(sha256);
    Path spool = null;
    try {
      spool = Files.createTempFile(uploadDir, sha256.substring(0, 12), ".part");
      String actual = copyHashing(body, spool);
      if (!actual.equals(sha256)) {
        throw new IllegalArgumentException(
            "the jar's bytes have SHA-256 "
                + actual
                + ", not "
                + sha256
                + " as sent: the upload was damaged or the hash is wrong; send"
                + " it again");
      }
      if (inGrid(sha256)) {
        return false;
      }
      try (InputStream in = Files.newInputStream(spool)) {
        blobs.put(key, in);
      }
      seen.add(sha256);
      stored.incrementAndGet();
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("storing jar " + sha256 + " failed: " + e.getMessage(), e);
    } finally {
      deleteQuietly(spool);
    }
  }

  @Override
  public Path localJar(String sha256) {
    Path local = cacheDir.resolve(checkSha(sha256) + ".jar");
    synchronized (fetchLocks.computeIfAbsent(sha256, k -> new Object())) {
      if (Files.isRegularFile(local)) {
        return local; // verified when it was moved in
      }
      Path part = null;
      try (InputStream in =
          blobs
              .open(key(sha256))
              .orElseThrow(
                  () ->
                      new GridException(
                          "the grid holds no jar "
                              + sha256
                              + ": upload it (GridClient.uploadJar, or"
                              + " bin/submit --jar) and submit again"))) {
        part = Files.createTempFile(cacheDir, sha256.substring(0, 12), ".part");
        String actual = copyHashing(in, part);
        if (!actual.equals(sha256)) {
          throw new GridException(
              "the stored jar "
                  + sha256
                  + " reads back with SHA-256 "
                  + actual
                  + ": the store is damaged; run bin/storage check");
        }
        Files.move(part, local, StandardCopyOption.ATOMIC_MOVE);
        part = null;
        return local;
      } catch (IOException e) {
        throw new GridException("fetching jar " + sha256 + " to " + local + " failed: " + e, e);
      } finally {
        deleteQuietly(part);
      }
    }
  }

  private static String copyHashing(InputStream in, Path to) throws IOException {
    MessageDigest digest = sha256();
    try (DigestInputStream hashing = new DigestInputStream(in, digest);
        OutputStream out = Files.newOutputStream(to)) {
      hashing.transferTo(out);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  private static String checkSha(String sha256) {
    if (sha256 == null || !SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException(
          "jar hash '" + sha256 + "' is not a SHA-256: give 64" + " lowercase hex digits");
    }
    return sha256;
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a leftover .part file is harmless
      }
    }
  }
}
