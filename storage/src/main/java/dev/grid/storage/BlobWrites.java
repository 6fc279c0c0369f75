package dev.grid.storage;

import com.hazelcast.map.IMap;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one blob to R nodes for {@link ReplicatedBlobStore#put}: this node first, then the others
 * as {@link Placement} ranks them for the key. A small blob travels whole to every target at once;
 * a large one is written here while each chunk is pushed to the other targets ({@link BlobPush}); a
 * target that fails is replaced by the next in the ranking. Only once the copies are on disk is the
 * blob recorded (one version up), and copies of the content it replaced on nodes it no longer names
 * are dropped.
 */
final class BlobWrites {
  private static final Logger LOG = LoggerFactory.getLogger(BlobWrites.class);

  private final BlobPeers peers;
  private final String self;
  private final LocalDiskStore disk;
  private final IMap<String, BlobMeta> meta;
  private final ReplicationSettings settings;
  private final ExecutorService pushSends;

  BlobWrites(
      BlobPeers peers,
      LocalDiskStore disk,
      IMap<String, BlobMeta> meta,
      ReplicationSettings settings,
      ExecutorService pushSends) {
    this.peers = peers;
    this.self = peers.self();
    this.disk = disk;
    this.meta = meta;
    this.settings = settings;
    this.pushSends = pushSends;
  }

  /** Writes the blob to R nodes and records it; the caller holds the key's lock. */
  void write(String key, InputStream content) {
    List<String> ranking = ranking(key);
    int copies = settings.copies(ranking.size());
    byte[] head;
    try {
      head = content.readNBytes(ReplicatedBlobStore.SMALL_LIMIT + 1);
    } catch (IOException e) {
      throw new UncheckedIOException("reading the content of blob '" + key + "' failed", e);
    }
    Written written =
        head.length <= ReplicatedBlobStore.SMALL_LIMIT
            ? putSmall(key, head, ranking, copies)
            : putLarge(
                key,
                new SequenceInputStream(new ByteArrayInputStream(head), content),
                ranking,
                copies);
    BlobMeta before =
        meta.executeOnKey(key, new MetaUpdates.RecordPut(written.blob(), written.holders()));
    dropReplaced(before, written.holders());
    if (written.holders().size() < copies) {
      throw new UncheckedIOException(
          new IOException(
              "blob '"
                  + key
                  + "' is stored on "
                  + written.holders()
                  + " only, "
                  + copies
                  + " copies were wanted: "
                  + String.join("; ", written.failures())
                  + "; repair will add the missing copies"));
    }
  }

  /** The node's copies and what went wrong on the way. */
  private record Written(StoredBlob blob, List<String> holders, List<String> failures) {}

  /** This node first, then the others as Placement ranks them for the key. */
  private List<String> ranking(String key) {
    List<String> others = new ArrayList<>(peers.live().keySet());
    others.remove(self);
    List<String> ranking = new ArrayList<>();
    ranking.add(self);
    if (!others.isEmpty()) {
      ranking.addAll(Placement.replicas(key, others, others.size()));
    }
    return ranking;
  }

  private Written putSmall(String key, byte[] content, List<String> ranking, int copies) {
    String sha = ReplicatedBlobStore.sha256(content);
    StoredBlob blob = new StoredBlob(key, content.length, sha);
    List<String> holders = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    int next = 0;
    while (holders.size() < copies && next < ranking.size()) {
      List<String> targets =
          ranking.subList(next, Math.min(ranking.size(), next + copies - holders.size()));
      next += targets.size();
      List<CompletableFuture<StoredBlob>> sent = new ArrayList<>();
      for (String target : targets) {
        sent.add(
            target.equals(self)
                ? CompletableFuture.completedFuture(null)
                : peers.call(target, new BlobTasks.StoreCopy(key, sha, content)));
      }
      for (int i = 0; i < targets.size(); i++) {
        String target = targets.get(i);
        try {
          if (target.equals(self)) {
            disk.write(key, new ByteArrayInputStream(content), sha);
          } else {
            BlobPeers.await(sent.get(i), settings.callTimeout());
          }
          holders.add(target);
        } catch (RuntimeException e) {
          failures.add(target + ": " + e.getMessage());
          LOG.warn("storing blob '{}' on node {} failed: {}", key, target, e.toString());
        }
      }
    }
    return checked(key, blob, holders, failures);
  }

  /**
   * Streams the content to the local disk and, chunk by chunk as it goes, to the first R-1 other
   * nodes in the ranking ({@link BlobPush}); a node whose push fails is replaced by the next in the
   * ranking, which pulls its copy from the local one once that is on disk.
   */
  private Written putLarge(String key, InputStream content, List<String> ranking, int copies) {
    int next = Math.min(copies, ranking.size());
    List<BlobPush> pushes =
        BlobPush.open(peers, ranking.subList(1, next), key, settings.callTimeout(), pushSends);
    StoredBlob blob = writeAndPush(key, content, pushes);
    List<String> holders = new ArrayList<>(List.of(self));
    List<String> failures = new ArrayList<>();
    for (BlobPush push : pushes) {
      try {
        push.await(settings.copyTimeout());
        holders.add(push.target());
      } catch (RuntimeException e) {
        failures.add(push.target() + ": " + e.getMessage());
      }
    }
    while (holders.size() < copies && next < ranking.size()) {
      List<String> targets =
          ranking.subList(next, Math.min(ranking.size(), next + copies - holders.size()));
      next += targets.size();
      List<CompletableFuture<StoredBlob>> sent = new ArrayList<>();
      for (String target : targets) {
        sent.add(peers.copy(target, new BlobTasks.PullCopy(key, blob.sha256(), blob.size(), self)));
      }
      for (int i = 0; i < targets.size(); i++) {
        try {
          BlobPeers.await(sent.get(i), settings.copyTimeout());
          holders.add(targets.get(i));
        } catch (RuntimeException e) {
          failures.add(targets.get(i) + ": " + e.getMessage());
          LOG.warn("copying blob '{}' to node {} failed: {}", key, targets.get(i), e.toString());
        }
      }
    }
    return checked(key, blob, holders, failures);
  }

  /**
   * Writes the local copy, sending each chunk to the pushes before writing it here; once the
   * content ends, asks the receivers to commit and commits the local copy meanwhile. A failure here
   * (the content cannot be read, the local disk fails) gives up every push.
   */
  private StoredBlob writeAndPush(String key, InputStream content, List<BlobPush> pushes) {
    try (DiskBlobWriter.Incoming local = disk.begin(key)) {
      long chunks = 0;
      while (true) {
        byte[] chunk = readChunk(key, content);
        if (chunk.length == 0) {
          break;
        }
        int crc = DiskBlobFormat.crc32c(chunk, chunk.length);
        for (BlobPush push : pushes) {
          push.send(chunks, chunk, crc);
        }
        local.append(chunk, 0, chunk.length);
        chunks++;
        if (chunk.length < ReplicatedBlobStore.PUSH_CHUNK) {
          break;
        }
      }
      for (BlobPush push : pushes) {
        push.finish(chunks, local.size(), local.sha256());
      }
      return local.commit(null);
    } catch (RuntimeException | Error e) {
      pushes.forEach(BlobPush::abort);
      throw e;
    }
  }

  /**
   * The next {@link ReplicatedBlobStore#PUSH_CHUNK} bytes of the content in a new array; fewer at
   * its end.
   */
  private static byte[] readChunk(String key, InputStream content) {
    try {
      byte[] chunk = new byte[ReplicatedBlobStore.PUSH_CHUNK];
      int n = content.readNBytes(chunk, 0, ReplicatedBlobStore.PUSH_CHUNK);
      return n == ReplicatedBlobStore.PUSH_CHUNK ? chunk : Arrays.copyOf(chunk, n);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "reading the content of blob '" + key + "' failed: " + e.getMessage(), e);
    }
  }

  private static Written checked(
      String key, StoredBlob blob, List<String> holders, List<String> failures) {
    if (holders.isEmpty()) {
      throw new UncheckedIOException(
          new IOException(
              "blob '"
                  + key
                  + "' could not be stored on any node: "
                  + String.join("; ", failures)));
    }
    return new Written(blob, List.copyOf(holders), List.copyOf(failures));
  }

  /** Copies of the content a put replaced, on nodes the new metadata does not name. */
  private void dropReplaced(BlobMeta before, List<String> holders) {
    if (before == null) {
      return;
    }
    for (String node : before.replicas()) {
      if (!holders.contains(node)) {
        peers
            .call(node, new BlobTasks.DropCopy(before.key(), before.sha256()))
            .exceptionally(
                e -> {
                  LOG.debug(
                      "dropping the replaced copy of '{}' on {} failed", before.key(), node, e);
                  return false;
                });
      }
    }
  }
}
