package dev.grid.node.exec;

import java.util.Arrays;

/**
 * Keeps the first {@code cap} bytes written to it and counts the rest. The array grows with what
 * was kept, never past the cap, so a job printing a gigabyte costs the node at most the cap. Once
 * {@link #freeze()} has been called, later writes (from a pump still reading a pipe that a stray
 * process holds open) are ignored: the result built from the frozen content never changes.
 */
final class CappedBuffer {
  private static final int FIRST_CHUNK = 8 * 1024;

  private final int cap;
  private byte[] bytes = new byte[0];
  private int size;
  private long dropped;
  private boolean frozen;

  CappedBuffer(long cap) {
    if (cap < 0 || cap > RunRequest.MAX_OUTPUT_CAP) {
      throw new IllegalArgumentException("cap " + cap + " is out of range");
    }
    this.cap = (int) cap;
  }

  synchronized void write(byte[] source, int offset, int length) {
    if (frozen) {
      return;
    }
    int kept = Math.min(length, cap - size);
    if (kept > 0) {
      ensureCapacity(size + kept);
      System.arraycopy(source, offset, bytes, size, kept);
      size += kept;
    }
    dropped += length - kept;
  }

  private void ensureCapacity(int needed) {
    if (needed <= bytes.length) {
      return;
    }
    long doubled = Math.max((long) bytes.length * 2, FIRST_CHUNK);
    bytes = Arrays.copyOf(bytes, (int) Math.min(cap, Math.max(needed, doubled)));
  }

  /** Stops accepting writes; what was kept so far is the content from now on. */
  synchronized void freeze() {
    frozen = true;
  }

  synchronized byte[] content() {
    return Arrays.copyOf(bytes, size);
  }

  /** How many bytes are kept so far. */
  synchronized int size() {
    return size;
  }

  synchronized long dropped() {
    return dropped;
  }

  /** The memory held for kept bytes; never more than the cap. */
  synchronized int allocated() {
    return bytes.length;
  }
}
