package dev.grid.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads a blob from the first replica that serves it, and when one fails (a chunk with a bad
 * checksum, a copy with other content, a node gone) goes on from the same byte with the next. The
 * reader sees the blob's bytes once each, in order, or an exception naming every replica's failure.
 * A replica that served damaged or other content is reported, so it can be repaired.
 */
final class ReplicaInputStream extends InputStream {

  /** How to open a replica, and whom to tell of a bad one. */
  interface Sources {
    /** The node's copy from {@code offset}; throws if it has none or cannot be reached. */
    InputStream open(String node, long offset);

    /** The node's copy was damaged or held other content. */
    void damaged(String node, RuntimeException why);
  }

  private final BlobMeta meta;
  private final List<String> nodes;
  private final Sources sources;
  private final List<String> failures = new ArrayList<>();
  private int nodeIndex = -1;
  private InputStream current;
  private long position;
  private boolean closed;

  ReplicaInputStream(BlobMeta meta, List<String> nodes, Sources sources) {
    this.meta = Objects.requireNonNull(meta, "meta");
    this.nodes = List.copyOf(nodes);
    this.sources = sources;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int count) throws IOException {
    Objects.checkFromIndexSize(offset, count, buffer.length);
    if (closed) {
      throw new IOException("the stream of blob '" + meta.key() + "' is closed");
    }
    if (count == 0) {
      return 0;
    }
    while (true) {
      if (position == meta.size()) {
        return -1;
      }
      if (current == null) {
        openNext();
      }
      try {
        int n = current.read(buffer, offset, (int) Math.min(count, meta.size() - position));
        if (n > 0) {
          position += n;
          return n;
        }
        fail(
            new BlobCorruptedException(
                meta.key(), "the copy ended after " + position + " of " + meta.size() + " bytes"));
      } catch (IOException | RuntimeException e) {
        fail(e);
      }
    }
  }

  private void openNext() throws IOException {
    while (current == null) {
      nodeIndex++;
      if (nodeIndex >= nodes.size()) {
        String reasons =
            failures.isEmpty() ? "no live node holds a copy" : String.join("; ", failures);
        throw new BlobCorruptedException(
            meta.key(),
            "no replica could serve byte "
                + position
                + " of "
                + meta.size()
                + " (replicas "
                + meta.replicas()
                + "): "
                + reasons);
      }
      try {
        current = sources.open(nodes.get(nodeIndex), position);
      } catch (RuntimeException e) {
        note(e);
      }
    }
  }

  private void fail(Exception e) {
    closeCurrent();
    note(e);
  }

  private void note(Exception e) {
    String node = nodes.get(nodeIndex);
    failures.add(node + ": " + e.getMessage());
    if (e instanceof BlobCorruptedException damaged) {
      sources.damaged(node, damaged);
    }
  }

  private void closeCurrent() {
    if (current != null) {
      try {
        current.close();
      } catch (IOException | RuntimeException ignored) {
        // the replica is being given up anyway
      }
      current = null;
    }
  }

  @Override
  public void close() {
    closed = true;
    closeCurrent();
  }
}
