package dev.grid.storage;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Reads one node's copy of a blob over the cluster, a window of {@link #WINDOW} bytes per call,
 * with the next {@link #AHEAD} windows already asked for while the current one is read. Each window
 * is checked on the holder (its chunks' CRC32C and the copy's SHA-256 against the one asked for)
 * before it travels; a failure reaches the reader as the exception the holder threw.
 */
final class RemoteBlobInputStream extends InputStream {
  static final int WINDOW = LocalDiskStore.DEFAULT_CHUNK_SIZE;
  private static final int AHEAD = 2;

  private final BlobPeers peers;
  private final String node;
  private final String key;
  private final String sha256;
  private final long size;
  private final Duration timeout;
  private final ArrayDeque<CompletableFuture<byte[]>> inFlight = new ArrayDeque<>();
  private long nextToAsk;
  private byte[] current = new byte[0];
  private int position;
  private boolean closed;

  RemoteBlobInputStream(
      BlobPeers peers,
      String node,
      String key,
      String sha256,
      long size,
      long offset,
      Duration timeout) {
    this.peers = peers;
    this.node = Objects.requireNonNull(node, "node");
    this.key = key;
    this.sha256 = sha256;
    this.size = size;
    this.timeout = timeout;
    this.nextToAsk = offset;
  }

  @Override
  public int read() throws IOException {
    if (!fill()) {
      return -1;
    }
    return current[position++] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int count) throws IOException {
    Objects.checkFromIndexSize(offset, count, buffer.length);
    if (count == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(count, current.length - position);
    System.arraycopy(current, position, buffer, offset, n);
    position += n;
    return n;
  }

  private boolean fill() throws IOException {
    if (closed) {
      throw new IOException("the stream of blob '" + key + "' from node " + node + " is closed");
    }
    while (position == current.length) {
      askAhead();
      CompletableFuture<byte[]> next = inFlight.poll();
      if (next == null) {
        return false;
      }
      current = BlobPeers.await(next, timeout);
      position = 0;
      if (current.length == 0) {
        throw new BlobCorruptedException(key, "node " + node + " sent no bytes before its end");
      }
    }
    return true;
  }

  private void askAhead() {
    while (inFlight.size() < AHEAD && nextToAsk < size) {
      int length = (int) Math.min(WINDOW, size - nextToAsk);
      inFlight.add(peers.call(node, new BlobTasks.ReadAt(key, sha256, nextToAsk, length)));
      nextToAsk += length;
    }
  }

  @Override
  public void close() {
    closed = true;
    inFlight.forEach(f -> f.cancel(true));
    inFlight.clear();
  }
}
