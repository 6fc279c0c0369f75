package dev.grid.storage;

import dev.grid.storage.DiskBlobFormat.Trailer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blobs one node holds on its own disk, under {@code <data-dir>/blobs}: one file per blob, its
 * key's segments as directories (see {@link DiskPaths}). The layer the replicated store puts its
 * copies in; on its own it replicates nothing.
 *
 * <p>A put streams the content through one buffer into a temp file next to the blob's file, in
 * chunks of {@value #DEFAULT_CHUNK_SIZE} bytes with a CRC32C each and a trailer holding the size,
 * the chunk CRCs and the SHA-256 of the whole; fsyncs it, renames it into place atomically and
 * fsyncs the directory. So once {@code put} returns the blob survives a crash, and a crash before
 * leaves no visible blob (its temp file is swept when the store next opens). A read checks each
 * chunk's CRC32C before handing out its bytes and throws {@link BlobCorruptedException} naming the
 * key and the chunk; {@link #verify} and {@link #scrub} also recompute the SHA-256.
 *
 * <p>Concurrency: every call works on the file system alone, so calls from many threads need no
 * lock of the store's. Two puts of one key each write a temp file of their own and the last rename
 * wins; readers hold the file they opened, so a put or delete meanwhile leaves them reading the
 * version they opened, whole. A delete prunes directories it leaves empty; a put whose directory is
 * pruned under it creates it again ({@link DiskBlobWriter}). One store at a time may use a
 * directory: it holds a lock on {@code blobs/@lock}, in this and other processes.
 */
public final class LocalDiskStore implements BlobStore {
  private volatile long lastScrubMillis;

  /** Bytes per chunk, each with its own CRC32C. */
  public static final int DEFAULT_CHUNK_SIZE = 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(LocalDiskStore.class);

  private final DiskPaths paths;
  private final DiskBlobWriter writer;
  private final FileChannel lockFile;
  private final FileLock lock;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Opens the store in {@code <dataDir>/blobs}, creating it if needed, and sweeps away the temp
   * files of puts a crash interrupted.
   *
   * @throws IllegalStateException if another store has the directory open
   * @throws UncheckedIOException if the directory cannot be created or read
   */
  public LocalDiskStore(Path dataDir) {
    this(dataDir, DEFAULT_CHUNK_SIZE);
  }

  LocalDiskStore(Path dataDir, int chunkSize) {
    Objects.requireNonNull(dataDir, "dataDir");
    if (chunkSize < 1) {
      throw new IllegalArgumentException("chunk size " + chunkSize + " must be at least 1 byte");
    }
    Path root = dataDir.toAbsolutePath().normalize().resolve("blobs");
    this.paths = new DiskPaths(root);
    this.writer = new DiskBlobWriter(paths, chunkSize);
    try {
      Files.createDirectories(root);
      fsyncDirectory(root.getParent());
      this.lockFile =
          FileChannel.open(
              root.resolve(DiskPaths.LOCK_NAME),
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("opening the blob directory " + root + " failed", e);
    }
    this.lock = lockOrClose(root);
    try {
      DiskSweeper.checkCaseSensitive(root);
      int swept = DiskSweeper.sweep(root);
      if (swept > 0) {
        log.info("removed {} blob file(s) left half-written in {}", swept, root);
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private FileLock lockOrClose(Path root) {
    FileLock taken;
    try {
      taken = lockFile.tryLock();
    } catch (OverlappingFileLockException e) { // held by a store in this process
      taken = null;
    } catch (IOException e) {
      closeQuietly(lockFile);
      throw new UncheckedIOException(
          "locking the blob directory "
              + root
              + " failed: use a"
              + " local file system that supports file locks",
          e);
    }
    if (taken == null) {
      closeQuietly(lockFile);
      throw new IllegalStateException(
          "the blob directory "
              + root
              + " is in use by another"
              + " store: give each node a data directory of its own, or stop the other first");
    }
    return taken;
  }

  /**
   * The file that holds a node's copy of the blob, whether or not there is one: for operators and
   * tests that look at a disk from outside (the file format is {@link DiskBlobFormat}'s).
   */
  public static Path fileOf(Path dataDir, String key) {
    BlobStore.checkKey(key);
    return new DiskPaths(dataDir.toAbsolutePath().normalize().resolve("blobs")).fileOf(key);
  }

  /** The directory the blobs are in: {@code <data-dir>/blobs}. */
  public Path root() {
    return paths.root();
  }

  @Override
  public void put(String key, InputStream content) {
    write(key, content);
  }

  /** Stores the content under the key, as {@link #put(String, InputStream)}, and says what. */
  public StoredBlob write(String key, InputStream content) {
    BlobStore.checkKey(key);
    Objects.requireNonNull(content, "content");
    checkOpen();
    return writer.write(key, content, null);
  }

  /**
   * Stores a copy whose SHA-256 is known (a replica copied from another node): if the content read
   * does not have it, nothing is stored, the old blob stays, and {@link BlobCorruptedException}
   * says so.
   */
  public StoredBlob write(String key, InputStream content, String expectedSha256) {
    BlobStore.checkKey(key);
    Objects.requireNonNull(content, "content");
    if (expectedSha256 == null || !StoredBlob.HEX_SHA256.matcher(expectedSha256).matches()) {
      throw new IllegalArgumentException(
          "expected SHA-256 '"
              + expectedSha256
              + "' of blob '"
              + key
              + "' is not 64 lowercase hex digits");
    }
    checkOpen();
    return writer.write(key, content, expectedSha256);
  }

  /**
   * Starts writing the blob piece by piece, for content that arrives in pieces (a put that sends
   * each piece to other nodes too, or a copy another node pushes here): append, then commit;
   * closing it uncommitted deletes its temp file.
   */
  DiskBlobWriter.Incoming begin(String key) {
    BlobStore.checkKey(key);
    checkOpen();
    return writer.begin(key);
  }

  /**
   * As {@link #begin}, for a copy pushed by another node whose every piece was checked against the
   * sender's CRC32C: the sender's SHA-256, given to the commit, goes into the trailer.
   */
  DiskBlobWriter.Incoming beginChecked(String key) {
    BlobStore.checkKey(key);
    checkOpen();
    return writer.beginChecked(key);
  }

  @Override
  public Optional<InputStream> open(String key) {
    return openFrom(key, 0).map(OpenedBlob::content);
  }

  /**
   * Opens the blob for reading from byte {@code offset} of its content, with its size and SHA-256
   * as the trailer of the very file opened records them (so a caller can check it is the content it
   * wants: a put may replace the file at any time). Empty if there is no blob.
   *
   * @throws BlobCorruptedException if its trailer cannot be read
   * @throws IllegalArgumentException if the offset is negative or beyond the content
   */
  public Optional<OpenedBlob> openFrom(String key, long offset) {
    BlobStore.checkKey(key);
    checkOpen();
    FileChannel file = openFile(paths.fileOf(key));
    if (file == null) {
      return Optional.empty();
    }
    try {
      Trailer trailer = DiskBlobFormat.readTrailer(key, file);
      StoredBlob blob =
          new StoredBlob(key, trailer.size(), HexFormat.of().formatHex(trailer.sha256()));
      return Optional.of(new OpenedBlob(blob, new DiskBlobInputStream(key, file, trailer, offset)));
    } catch (IOException e) {
      closeQuietly(file);
      throw new BlobCorruptedException(key, "reading its trailer failed (" + e + ")");
    } catch (RuntimeException e) {
      closeQuietly(file);
      throw e;
    }
  }

  /**
   * A blob file open for reading, and what its trailer says of it.
   *
   * @param blob key, size and SHA-256 of the content
   * @param content the content, from the offset asked for; the caller closes it
   */
  public record OpenedBlob(StoredBlob blob, InputStream content) {}

  /**
   * A blob on this disk and when its file was last written (its put or copy committed then).
   *
   * @param blob key, size and SHA-256 as its trailer records them
   * @param writtenMillis the file's modification time, in epoch milliseconds
   */
  public record DiskEntry(StoredBlob blob, long writtenMillis) {}

  /**
   * Size and SHA-256 of the blob as its trailer records them, or empty if there is none.
   *
   * @throws BlobCorruptedException if its trailer cannot be read
   */
  public Optional<StoredBlob> describe(String key) {
    BlobStore.checkKey(key);
    checkOpen();
    return Optional.ofNullable(describe(key, paths.fileOf(key)));
  }

  /** The blob's summary, null if its file is gone. */
  private static StoredBlob describe(String key, Path path) {
    FileChannel file = openFile(path);
    if (file == null) {
      return null;
    }
    try (file) {
      Trailer trailer = DiskBlobFormat.readTrailer(key, file);
      return new StoredBlob(key, trailer.size(), HexFormat.of().formatHex(trailer.sha256()));
    } catch (IOException e) {
      throw new BlobCorruptedException(key, "reading its trailer failed (" + e + ")");
    }
  }

  @Override
  public boolean delete(String key) {
    BlobStore.checkKey(key);
    checkOpen();
    Path file = paths.fileOf(key);
    try {
      if (!Files.deleteIfExists(file)) {
        return false;
      }
      fsyncDirectory(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("deleting blob '" + key + "' at " + file + " failed", e);
    }
    pruneEmptyDirectories(file.getParent());
    return true;
  }

  /** Removes the directory and its parents up to the root while they are empty. */
  private void pruneEmptyDirectories(Path from) {
    for (Path dir = from; !dir.equals(paths.root()); dir = dir.getParent()) {
      try {
        Files.delete(dir);
      } catch (DirectoryNotEmptyException | NoSuchFileException e) {
        return;
      } catch (IOException e) {
        log.debug("could not remove the empty blob directory {}", dir, e);
        return;
      }
    }
  }

  /** Lists by walking only the directories the prefix reaches; no file is read. */
  @Override
  public List<String> list(String prefix) {
    Prefixes.check(prefix);
    checkOpen();
    List<String> keys = new ArrayList<>();
    paths.walk(prefix, (key, path) -> keys.add(key), temp -> {});
    keys.sort(Comparator.naturalOrder());
    return keys;
  }

  /**
   * How many blob files this disk holds and their size. Walks the directories and asks each file's
   * size (no file is read): a cost that grows with the number of blobs, so callers ask now and
   * then, not per request.
   */
  public DiskUsage usage() {
    checkOpen();
    long[] sum = new long[2];
    paths.walk(
        "",
        (key, path) -> {
          try {
            sum[1] += Files.size(path);
            sum[0]++;
          } catch (IOException e) {
            // deleted while walking: not held any more
          }
        },
        temp -> {});
    return new DiskUsage(sum[0], sum[1]);
  }

  /**
   * Every blob on this disk with its size and SHA-256 as recorded when it was written, sorted by
   * key: what a node reports when it joins. A blob whose trailer cannot be read is left out (and
   * logged): its copy is as good as lost, and {@link #scrub} reports it.
   */
  public List<StoredBlob> inventory() {
    return entries().stream().map(DiskEntry::blob).toList();
  }

  /** The {@link #inventory()}, with when each file was written. */
  public List<DiskEntry> entries() {
    return entries(key -> {});
  }

  /**
   * The {@link #inventory()}, with when each file was written; the key of each blob left out
   * because its trailer cannot be read is given to {@code unreadable}.
   */
  public List<DiskEntry> entries(Consumer<String> unreadable) {
    checkOpen();
    List<DiskEntry> blobs = new ArrayList<>();
    for (Map.Entry<String, Path> blob : blobFiles().entrySet()) {
      try {
        long written = Files.getLastModifiedTime(blob.getValue()).toMillis();
        StoredBlob summary = describe(blob.getKey(), blob.getValue());
        if (summary != null) {
          blobs.add(new DiskEntry(summary, written));
        }
      } catch (NoSuchFileException e) {
        // deleted while listing
      } catch (IOException e) {
        log.warn("blob file {} left out of the inventory: {}", blob.getValue(), e.toString());
      } catch (BlobCorruptedException e) {
        log.warn("blob file {} left out of the inventory: {}", blob.getValue(), e.getMessage());
        unreadable.accept(blob.getKey());
      }
    }
    return blobs;
  }

  /**
   * Reads the blob whole, recomputing each chunk's CRC32C and the SHA-256 of the content, and says
   * what is wrong; empty when the copy is whole. A missing blob is reported as such.
   */
  public Optional<Corruption> verify(String key) {
    BlobStore.checkKey(key);
    checkOpen();
    Path path = paths.fileOf(key);
    FileChannel file = openFile(path);
    if (file == null) {
      return Optional.of(new Corruption(key, "no blob is stored under it"));
    }
    return verify(key, path, file);
  }

  /**
   * When the last {@link #scrub} of this disk ended (by this process's wall clock), or 0 if none
   * has since the store opened.
   */
  public long lastScrubMillis() {
    return lastScrubMillis;
  }

  /** Verifies every blob on this disk, in key order; the corrupt ones, with what is wrong. */
  public List<Corruption> scrub() {
    checkOpen();
    List<Corruption> corrupt = new ArrayList<>();
    for (Map.Entry<String, Path> blob : blobFiles().entrySet()) {
      FileChannel file = openFile(blob.getValue());
      if (file != null) { // else deleted while scrubbing
        verify(blob.getKey(), blob.getValue(), file).ifPresent(corrupt::add);
      }
    }
    if (!corrupt.isEmpty()) {
      log.warn("scrub of {} found {} corrupt blob(s): {}", root(), corrupt.size(), corrupt);
    }
    lastScrubMillis = System.currentTimeMillis();
    return corrupt;
  }

  /** What is wrong with the open blob file, empty if nothing; closes it. */
  private static Optional<Corruption> verify(String key, Path path, FileChannel file) {
    try (file) {
      Trailer trailer = DiskBlobFormat.readTrailer(key, file);
      return DiskBlobFormat.checkContent(file, trailer)
          .map(problem -> new Corruption(key, problem));
    } catch (BlobCorruptedException e) {
      return Optional.of(new Corruption(key, e.getCause().getMessage()));
    } catch (IOException e) {
      return Optional.of(new Corruption(key, "reading its file " + path + " failed (" + e + ")"));
    }
  }

  private Map<String, Path> blobFiles() {
    Map<String, Path> files = new TreeMap<>();
    paths.walk("", files::put, temp -> {});
    return files;
  }

  /** Stops serving calls and releases the directory; open streams stay readable. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        lock.release();
      } catch (IOException | RuntimeException e) {
        log.debug("releasing the lock of {} failed", root(), e);
      }
      closeQuietly(lockFile);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the disk blob store in " + root() + " is closed");
    }
  }

  /** The file open for reading, or null if there is none. */
  private static FileChannel openFile(Path path) {
    try {
      return FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("opening the blob file " + path + " failed", e);
    }
  }

  /**
   * Makes the directory's entries durable (a rename or delete in it survives a crash). A directory
   * a concurrent delete has just pruned has nothing left to make durable.
   */
  static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (NoSuchFileException e) {
      // pruned: its entries are gone, and so is what they named
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      log.debug("closing {} failed", closeable, e);
    }
  }
}
