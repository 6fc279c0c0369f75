package dev.grid.cli;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * A call's stdout and stderr on the way back to {@code bin/_grid.sh}, as frames in one stream:
 *
 * <pre>
 * O LEN\n BYTES   LEN bytes for stdout, printable ASCII (bash reads them with read -N)
 * o LEN\n BYTES   LEN bytes for stdout, any bytes (bash copies them with dd)
 * E LEN\n, e LEN\n   the same for stderr
 * X CODE\n        the exit code: the last frame
 * D REASON\n      declined, nothing ran: run the command in a JVM of its own (instead of all else)
 * </pre>
 *
 * <p>Writes to one stream in a row make one frame (up to {@value #MAX_FRAME} bytes), so the order
 * in which stdout and stderr were written is kept, as in a terminal that shows both. {@link #out}
 * and {@link #err} are built as the JVM builds {@code System.out} and {@code System.err} (a
 * 128-byte buffer, flushed at each line and each array written), so the two streams reach the
 * frames in the order they would reach the file descriptors of a JVM of its own.
 *
 * <p>A flush of stderr sends what it holds at once, as a frame of its own: a progress line ({@code
 * submit --wait} of an array, {@code status --watch}) shows while the command runs. Stdout is sent
 * when the other stream is written, a frame is full, or the call ends, so a long listing stays a
 * few large frames.
 *
 * <p>Small printable frames are the common case ({@code bin/submit} prints an id) and bash reads
 * them without starting a process, one byte per system call: so only up to {@value #MAX_TEXT}
 * bytes, and only bytes bash's {@code read} keeps as they are (no NUL, none of its internal quoting
 * bytes 0x01 and 0x7f, no other control character but tab, CR and LF).
 *
 * <p>A caller that went away makes writes fail: the output is then dropped, as a JVM's {@code
 * System.out} drops it on a closed pipe.
 */
final class CallOutput {
  static final int MAX_FRAME = 1 << 20;
  static final int MAX_TEXT = 512;

  private static final int STDOUT = 0;
  private static final int STDERR = 1;

  private final OutputStream socket;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
  private int pendingStream = -1;
  private boolean broken;

  final PrintStream out;
  final PrintStream err;

  /**
   * @param socket where the frames go (buffered by the caller of this constructor)
   * @param charset the charset of this JVM's {@code System.out}
   */
  CallOutput(OutputStream socket, Charset charset) {
    this.socket = socket;
    this.out = new PrintStream(new BufferedOutputStream(new Sink(STDOUT), 128), true, charset);
    this.err = new PrintStream(new BufferedOutputStream(new Sink(STDERR), 128), true, charset);
  }

  /** Sends what is pending and the exit code, the call's last frame. */
  void exit(int code) {
    // the print streams first, outside this object's lock: they take their own, then this one
    out.flush();
    err.flush();
    synchronized (this) {
      sendPending();
      send(("X " + code + "\n").getBytes(StandardCharsets.US_ASCII), null);
    }
  }

  /** Declines the call: the only frame, and nothing ran. */
  synchronized void decline(String reason) {
    send(("D " + reason + "\n").getBytes(StandardCharsets.US_ASCII), null);
  }

  private synchronized void write(int stream, byte[] bytes, int offset, int length) {
    if (stream != pendingStream) {
      sendPending();
      pendingStream = stream;
    }
    while (length > 0) {
      int room = MAX_FRAME - pending.size();
      int part = Math.min(room, length);
      pending.write(bytes, offset, part);
      offset += part;
      length -= part;
      if (pending.size() == MAX_FRAME) {
        sendPending();
      }
    }
  }

  /** Sends what stderr holds, if it holds anything: a flush of stderr. */
  private synchronized void flushStderr() {
    if (pendingStream == STDERR) {
      sendPending();
    }
  }

  private void sendPending() {
    if (pending.size() == 0) {
      return;
    }
    byte[] bytes = pending.toByteArray();
    pending.reset();
    boolean text = bytes.length <= MAX_TEXT && printable(bytes);
    char kind = pendingStream == STDOUT ? (text ? 'O' : 'o') : (text ? 'E' : 'e');
    send((kind + " " + bytes.length + "\n").getBytes(StandardCharsets.US_ASCII), bytes);
  }

  private void send(byte[] header, byte[] body) {
    if (broken) {
      return;
    }
    try {
      socket.write(header);
      if (body != null) {
        socket.write(body);
      }
      socket.flush();
    } catch (IOException e) {
      broken = true; // the caller went away; the call is being cancelled
    }
  }

  static boolean printable(byte[] bytes) {
    for (byte b : bytes) {
      if ((b < 0x20 || b > 0x7e) && b != '\n' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  private final class Sink extends OutputStream {
    private final int stream;

    Sink(int stream) {
      this.stream = stream;
    }

    @Override
    public void write(int b) {
      CallOutput.this.write(stream, new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      CallOutput.this.write(stream, bytes, offset, length);
    }

    @Override
    public void flush() {
      if (stream == STDERR) {
        flushStderr();
      }
    }
  }
}
