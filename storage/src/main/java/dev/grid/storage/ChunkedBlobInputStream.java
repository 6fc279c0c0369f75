package dev.grid.storage;

import com.hazelcast.map.IMap;
import java.io.IOException;
import java.io.InputStream;
import java.util.ConcurrentModificationException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.zip.CRC32C;

/**
 * Reads a blob chunk by chunk, verifying each chunk's length and CRC32C against the manifest
 * before handing out a byte of it, and fetching the next chunk while the current one is read. At
 * most two chunks are held at a time. Content inline in the manifest is verified the same way.
 */
final class ChunkedBlobInputStream extends InputStream {
  private final String key;
  private final Manifest manifest;
  private final IMap<String, byte[]> chunks;
  private final IMap<String, byte[]> manifests;
  private int nextIndex;
  private CompletionStage<byte[]> prefetch;
  private byte[] current = new byte[0];
  private int position;
  private boolean closed;

  ChunkedBlobInputStream(
      String key, Manifest manifest, IMap<String, byte[]> chunks, IMap<String, byte[]> manifests) {
    this.key = key;
    this.manifest = manifest;
    this.chunks = chunks;
    this.manifests = manifests;
    this.prefetch = fetch(0);
  }

  @Override
  public int read() throws IOException {
    if (!fill()) {
      return -1;
    }
    return current[position++] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, buffer.length);
    if (length == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(length, current.length - position);
    System.arraycopy(current, position, buffer, offset, n);
    position += n;
    return n;
  }

  @Override
  public int available() throws IOException {
    ensureOpen();
    return current.length - position;
  }

  @Override
  public void close() {
    closed = true;
    current = new byte[0];
    prefetch = null;
  }

  /** Makes unread bytes available; false at the end of the blob. */
  private boolean fill() throws IOException {
    ensureOpen();
    while (position == current.length) {
      if (nextIndex == manifest.chunkCount()) {
        return false;
      }
      int index = nextIndex++;
      byte[] chunk = AsyncWindow.await(prefetch);
      prefetch = fetch(nextIndex);
      current = verified(index, chunk);
      position = 0;
    }
    return true;
  }

  private CompletionStage<byte[]> fetch(int index) {
    if (index >= manifest.chunkCount()) {
      return null;
    }
    if (manifest.inline() != null) {
      return CompletableFuture.completedFuture(manifest.inline());
    }
    return chunks.getAsync(HazelcastBlobStore.chunkKey(key, manifest.version(), index));
  }

  private byte[] verified(int index, byte[] chunk) {
    String which = "chunk " + index + " of " + manifest.chunkCount();
    if (chunk == null) {
      throw missing(which);
    }
    int expectedLength = manifest.chunkLength(index);
    if (chunk.length != expectedLength) {
      throw new BlobCorruptedException(
          key, which + " has " + chunk.length + " bytes, its manifest says " + expectedLength);
    }
    CRC32C crc = new CRC32C();
    crc.update(chunk);
    int actual = (int) crc.getValue();
    int expected = manifest.chunkCrcs()[index];
    if (actual != expected) {
      throw new BlobCorruptedException(
          key,
          which + " has CRC32C " + Integer.toHexString(actual) + ", its manifest says "
              + Integer.toHexString(expected));
    }
    return chunk;
  }

  /** A missing chunk means the blob was replaced under the reader, or lost with every copy. */
  private RuntimeException missing(String which) {
    byte[] now = manifests.get(key);
    if (now == null || !Manifest.decode(key, now).version().equals(manifest.version())) {
      return new ConcurrentModificationException(
          "blob '" + key + "' was replaced or deleted while being read: open it again");
    }
    return new BlobCorruptedException(key, which + " is missing from every copy");
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("the stream of blob '" + key + "' is closed");
    }
  }
}
