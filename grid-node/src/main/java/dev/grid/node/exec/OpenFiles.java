package dev.grid.node.exec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The files of one reused group that every run reads (its counters, peak and charge), each opened
 * once and then read from its start with {@code pread}: the kernel makes a cgroup file's text
 * afresh for a read at offset 0. Not {@code cgroup.procs}: on v1 a file kept open goes on showing
 * the pid list built at its first read for as long as someone reads it within a second (the
 * kernel's pidlist cache), so that a group would look empty with a process in it; it is opened
 * afresh for every look ({@link CgroupFiles#pids}).
 *
 * <p>One or two system calls a read, instead of an open (a path walk through the cgroup tree), a
 * stat, reads and a close: 0.7 µs against 7-9 µs in a loop on 6.18. Between jobs, with the caches
 * cold, the difference is larger: the node's CPU for a run's cgroup work, reads and writes, came to
 * 0.14 ms with them (see {@link JobCgroups}), about twice that without. Writes are few (a peak
 * reset, limits that change) and go through {@link CgroupFiles#write}.
 *
 * <p>Closed when its group is removed, before the rmdir; a read after that fails.
 */
final class OpenFiles implements AutoCloseable {
  private final Map<Path, FileChannel> open = new HashMap<>(); // guarded by this
  private ByteBuffer buffer = ByteBuffer.allocate(512); // guarded by this
  private boolean closed; // guarded by this

  /** The file's text, stripped. */
  synchronized String read(Path file) throws IOException {
    if (closed) {
      throw new IOException("cannot read " + file + ": its group was removed");
    }
    FileChannel channel = open.get(file);
    if (channel == null) {
      channel = FileChannel.open(file);
      open.put(file, channel);
    }
    buffer.clear();
    while (channel.read(buffer, buffer.position()) > 0) {
      if (!buffer.hasRemaining()) {
        ByteBuffer larger = ByteBuffer.allocate(buffer.capacity() * 2);
        buffer.flip();
        larger.put(buffer);
        buffer = larger;
      }
    }
    return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).strip();
  }

  long readLong(Path file) throws IOException {
    return CgroupFiles.parseLong(file, read(file));
  }

  /** As {@link CgroupFiles#keyed}. */
  OptionalLong keyed(Path file, String key) throws IOException {
    return CgroupFiles.keyed(file, read(file), key);
  }

  /** Closes every file. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    for (FileChannel channel : open.values()) {
      try {
        channel.close();
      } catch (IOException e) {
        // nothing was written through it
      }
    }
    open.clear();
  }
}
