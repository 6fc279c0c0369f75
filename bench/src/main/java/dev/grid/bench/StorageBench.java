package dev.grid.bench;

import dev.grid.storage.BlobMeta;
import dev.grid.storage.LocalDiskStore;
import dev.grid.storage.ReplicatedBlobStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Write and read throughput of the replicated blob store against one local file on the same disk,
 * in the same run, with targets: reads at least half the file's rate, writes with two copies at
 * least 30% of it.
 *
 * <pre>
 * bin/bench storage                          # 8 blobs x 64 MiB, 3 rounds after a warm-up
 * bin/bench storage --blobs 4 --rounds 5
 * </pre>
 *
 * <p>Three nodes' stores run in this JVM: Hazelcast members configured as the grid configures them
 * ({@link StorageCluster}), talking over loopback TCP, each with its disk store in a directory of
 * its own on the one disk of the run's directory, two copies of each blob. A round:
 *
 * <ol>
 *   <li>the baseline writes N x M bytes to one file with a {@link FileChannel}, in chunks of
 *       {@value LocalDiskStore#DEFAULT_CHUNK_SIZE} bytes (the store's chunk size), with one fsync
 *       at the end, and then reads it back with the same chunk size;
 *   <li>node n1 puts the same bytes as N blobs (each put returns once both copies are fsynced: n1
 *       keeps the first and streams the second to another node as it writes);
 *   <li>n1 reads each blob back, from its own copy (local);
 *   <li>each blob is read by the node that holds no copy of it, over the cluster (remote: an extra
 *       figure without a target).
 * </ol>
 *
 * Every read consumes the stream through a buffer of the chunk size. The files written are fresh,
 * so reads come from the page cache for the store and the baseline alike. MB is 10<sup>6</sup>
 * bytes. What is in the stores and the file is deleted after each round, untimed.
 */
@Command(
    name = "storage",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Measures the replicated blob store against one local file on this machine.")
final class StorageBench implements Callable<Integer> {
  static final int CHUNK = LocalDiskStore.DEFAULT_CHUNK_SIZE;
  private static final int NODES = 3;
  private static final int COPIES = 2;

  @Option(
      names = "--blobs",
      defaultValue = "8",
      description = "Blobs per round (default ${DEFAULT-VALUE}).")
  int blobs = 8;

  @Option(
      names = "--blob-mib",
      defaultValue = "64",
      description = "Size of each blob in MiB (default ${DEFAULT-VALUE}).")
  int blobMib = 64;

  @Option(
      names = "--rounds",
      defaultValue = "3",
      description = "Timed rounds (default ${DEFAULT-VALUE}).")
  int rounds = 3;

  @Option(
      names = "--dir",
      description =
          "Directory for the stores and the file, on the disk to"
              + " measure (default: a fresh temporary one, deleted after).")
  Path dir;

  @Spec CommandSpec spec;

  private final PrintStream out;

  StorageBench() {
    this(System.out);
  }

  StorageBench(PrintStream out) {
    this.out = out;
  }

  /** One round's rates, in bytes per second. */
  record Round(
      double fileWrite, double fileRead, double storeWrite, double localRead, double remoteRead) {}

  @Override
  public Integer call() throws Exception {
    if (blobs < 1 || blobMib < 1 || rounds < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--blobs "
              + blobs
              + ", --blob-mib "
              + blobMib
              + " and --rounds "
              + rounds
              + " must each be at least 1");
    }
    run();
    return 0;
  }

  /** Runs the warm-up and the rounds and prints the figures. */
  void run() throws IOException {
    Path base = dir != null ? dir : Files.createTempDirectory("grid-storage-bench-");
    byte[] content = new byte[blobMib * 1024 * 1024];
    new SplittableRandom(42).nextBytes(content);
    long start = System.nanoTime();
    List<Round> measured = new ArrayList<>();
    try (StorageCluster cluster = StorageCluster.start(base.resolve("nodes"), NODES, COPIES)) {
      out.printf(
          Locale.ROOT,
          "storage: %d nodes' blob stores in this JVM (Hazelcast members on"
              + " loopback), %d copies, in %s; up in %.1f s%n",
          NODES,
          COPIES,
          base,
          (System.nanoTime() - start) / 1e9);
      round(cluster, base, content, Math.min(2, blobs), "warmup", false); // JIT, untimed
      for (int r = 0; r < rounds; r++) {
        measured.add(round(cluster, base, content, blobs, "r" + r, r == 0));
      }
    }
    if (dir == null) {
      Bench.deleteTree(base);
    }
    double bytes = (double) blobs * content.length;
    out.printf(
        Locale.ROOT,
        "storage run: %d rounds of %d blobs x %d MiB (%.0f MB) in %.1f s%n",
        rounds,
        blobs,
        blobMib,
        bytes / 1e6,
        (System.nanoTime() - start) / 1e9);
    out.println(
        Figures.storageLine(
            "write R=" + COPIES + " (put from n1, returns when both copies" + " are fsynced)",
            rates(measured, Round::storeWrite),
            "file write+fsync",
            rates(measured, Round::fileWrite),
            Figures.STORAGE_WRITE_TARGET));
    out.println(
        Figures.storageLine(
            "read local (n1 reads its own copy)",
            rates(measured, Round::localRead),
            "file read",
            rates(measured, Round::fileRead),
            Figures.STORAGE_READ_TARGET));
    out.println(
        Figures.storageLine(
            "read remote (from a node without a copy)",
            rates(measured, Round::remoteRead),
            "file read",
            rates(measured, Round::fileRead),
            0));
  }

  private static double[] rates(List<Round> rounds, ToDoubleFunction<Round> f) {
    return rounds.stream().mapToDouble(f).toArray();
  }

  private Round round(
      StorageCluster cluster, Path base, byte[] content, int count, String name, boolean describe)
      throws IOException {
    long bytes = (long) count * content.length;
    Path file = base.resolve("local-file-" + name);
    double fileWrite = rate(bytes, () -> writeFile(file, content, count));
    double fileRead = rate(bytes, () -> check(bytes, readFile(file), file.toString()));
    Files.delete(file);

    ReplicatedBlobStore writer = cluster.store(0);
    String prefix = "bench/" + name + "/";
    double storeWrite =
        rate(
            bytes,
            () -> {
              for (int i = 0; i < count; i++) {
                writer.put(prefix + i, new ByteArrayInputStream(content));
              }
            });
    List<BlobMeta> written = writer.blobs(prefix);
    double localRead =
        rate(
            bytes,
            () -> {
              long read = 0;
              for (BlobMeta blob : written) {
                read += drain(writer, blob.key());
              }
              check(bytes, read, "the local reads");
            });
    Map<String, Integer> remoteReaders = new TreeMap<>();
    double remoteRead =
        rate(
            bytes,
            () -> {
              long read = 0;
              for (BlobMeta blob : written) {
                String reader = withoutCopy(cluster, blob);
                remoteReaders.merge(reader, 1, Integer::sum);
                read += drain(cluster.store(reader), blob.key());
              }
              check(bytes, read, "the remote reads");
            });
    if (describe) {
      Map<String, Integer> second = new TreeMap<>();
      written.forEach(
          b ->
              b.replicas().stream()
                  .filter(n -> !n.equals(writer.node()))
                  .forEach(n -> second.merge(n, 1, Integer::sum)));
      out.printf(
          Locale.ROOT,
          "storage %s: copies of %d blobs: n1 all, second copies %s;" + " remote reads by %s%n",
          name,
          written.size(),
          second,
          remoteReaders);
    }
    for (BlobMeta blob : written) {
      writer.delete(blob.key());
    }
    return new Round(fileWrite, fileRead, storeWrite, localRead, remoteRead);
  }

  /** A node that holds no copy of the blob. */
  private static String withoutCopy(StorageCluster cluster, BlobMeta blob) {
    for (int i = 0; i < cluster.size(); i++) {
      if (!blob.replicas().contains(StorageCluster.name(i))) {
        return StorageCluster.name(i);
      }
    }
    throw new IllegalStateException("every node holds blob '" + blob.key() + "'");
  }

  /** Writes the content {@code count} times to a new file in chunks, fsyncs once at the end. */
  static void writeFile(Path file, byte[] content, int count) throws IOException {
    try (FileChannel out =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (int i = 0; i < count; i++) {
        for (int at = 0; at < content.length; at += CHUNK) {
          ByteBuffer chunk = ByteBuffer.wrap(content, at, Math.min(CHUNK, content.length - at));
          while (chunk.hasRemaining()) {
            out.write(chunk);
          }
        }
      }
      out.force(true);
    }
  }

  /** Reads the file to its end through one chunk-sized buffer; the bytes read. */
  static long readFile(Path file) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(new byte[CHUNK]);
    long read = 0;
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      for (int n; (n = in.read(buffer.clear())) >= 0; ) {
        read += n;
      }
    }
    return read;
  }

  /** Reads the blob through the node's store to its end; the bytes read. */
  private static long drain(ReplicatedBlobStore store, String key) throws IOException {
    byte[] buffer = new byte[CHUNK];
    long read = 0;
    try (InputStream in =
        store
            .open(key)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "blob '" + key + "' is missing on " + store.node()))) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        read += n;
      }
    }
    return read;
  }

  private static void check(long expected, long read, String what) {
    if (read != expected) {
      throw new IllegalStateException(
          what + " gave " + read + " bytes, " + expected + " were written");
    }
  }

  private interface Timed {
    void run() throws IOException;
  }

  private static double rate(long bytes, Timed timed) throws IOException {
    long start = System.nanoTime();
    timed.run();
    return bytes * 1e9 / (System.nanoTime() - start);
  }
}
