package dev.grid.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;

/**
 * One connection to the {@link ResidentClient}, from {@code bin/_grid.sh}:
 *
 * <ol>
 *   <li>The caller sends {@code GRIDC1 SECRET\n}, 72 bytes. Anything else, or nothing within the
 *       request timeout, and the connection is closed with nothing sent back.
 *   <li>The resident client answers {@code PROOF\n}: the caller now knows it speaks to the process
 *       that wrote the state file, and only then sends its request ({@link CallRequest}), which
 *       holds its token.
 *   <li>The answer is frames ({@link CallOutput}): the command's stdout and stderr and its exit
 *       code, or one frame declining the call before anything ran.
 * </ol>
 *
 * <p>While the command runs, this connection's thread reads on: the caller closing the connection
 * (Ctrl-C, a kill) interrupts the command's thread, which ends a {@code submit --wait}.
 */
final class ResidentCall implements Runnable {
  private static final byte[] HELLO = "GRIDC1 ".getBytes(StandardCharsets.US_ASCII);

  private final ResidentClient host;
  private final Socket socket;

  ResidentCall(ResidentClient host, Socket socket) {
    this.host = host;
    this.socket = socket;
  }

  /** What a caller must send first: the hello and the secret, one line. */
  static byte[] hello(String secret) {
    byte[] line = new byte[HELLO.length + secret.length() + 1];
    System.arraycopy(HELLO, 0, line, 0, HELLO.length);
    byte[] bytes = secret.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, line, HELLO.length, bytes.length);
    line[line.length - 1] = '\n';
    return line;
  }

  @Override
  public void run() {
    try (socket) {
      socket.setTcpNoDelay(true);
      InputStream in =
          new BufferedInputStream(
              new DeadlineInput(socket, host.config().requestTimeout().toNanos(), host.nanos()));
      byte[] expected = host.hello();
      // constant time: the whole line is compared whatever byte differs first
      if (!MessageDigest.isEqual(in.readNBytes(expected.length), expected)) {
        return;
      }
      OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
      out.write(host.proofLine());
      out.flush();
      CallRequest request =
          CallRequest.read(in, host.config().limits(), ResidentClient.ARGUMENT_CHARSET);
      CallOutput output = new CallOutput(out, ResidentClient.STDOUT_CHARSET);
      switch (request.op()) {
        case "status" -> {
          output.out.print(host.statusText());
          output.exit(0);
        }
        case "stop" -> {
          host.stop(); // before the answer: bin/grid-client stop returns once it stopped serving
          output.exit(0);
        }
        default -> runCommand(request, output);
      }
    } catch (IOException e) {
      // cut off (a broken request, a limit, a timeout) or gone: nothing ran
    }
  }

  private void runCommand(CallRequest request, CallOutput output) throws IOException {
    String declined;
    try {
      declined = host.admit(request);
    } catch (RuntimeException e) {
      declined = "error"; // nothing ran: a JVM of its own runs it
    }
    if (declined != null) {
      output.decline(declined);
      return;
    }
    Future<?> call;
    try {
      call = host.calls().submit(() -> runAdmitted(request, output));
    } catch (RuntimeException e) {
      host.release();
      output.decline("busy");
      return;
    }
    // Anything but the end of the connection is ignored; its end cancels the call.
    socket.setSoTimeout(0);
    InputStream watch = socket.getInputStream();
    byte[] ignored = new byte[256];
    try {
      while (watch.read(ignored) >= 0) {
        // a caller sends nothing after its request
      }
    } catch (IOException closed) {
      // the call closed the socket when it ended, or the caller is gone
    }
    call.cancel(true);
  }

  private void runAdmitted(CallRequest request, CallOutput output) {
    try {
      int code;
      try {
        code =
            GridCli.run(
                request.args().toArray(String[]::new),
                request.env(),
                request.cwd(),
                output.out,
                output.err,
                request.terminals().charAt(2) == '1');
      } catch (RuntimeException | Error e) {
        // what the JVM prints for an exception main did not catch
        output.err.print("Exception in thread \"main\" ");
        e.printStackTrace(output.err);
        code = 1;
      }
      output.exit(code & 0xff);
    } finally {
      Thread.interrupted(); // a cancel's interrupt stays with this call
      host.release();
      try {
        socket.close(); // ends the watch above
      } catch (IOException e) {
        // closed already
      }
    }
  }

  /** The socket's input, with one deadline for all of the request however slowly it trickles. */
  private static final class DeadlineInput extends InputStream {
    private final Socket socket;
    private final InputStream in;
    private final LongSupplier nanos;
    private final long deadline;

    DeadlineInput(Socket socket, long timeoutNanos, LongSupplier nanos) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.nanos = nanos;
      this.deadline = nanos.getAsLong() + timeoutNanos;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
      long left = (deadline - nanos.getAsLong()) / 1_000_000;
      if (left <= 0) {
        throw new SocketTimeoutException("request not complete in time");
      }
      socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
      return in.read(bytes, offset, length);
    }
  }
}
