package dev.grid.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A caller of the {@link ResidentClient} that speaks its protocol as {@code bin/_grid.sh} does. */
final class ResidentCaller implements AutoCloseable {
  /** What came back: the exit code and the two streams, or the reason it was declined. */
  record Answer(int code, byte[] out, byte[] err, String declined) {
    String outText() {
      return new String(out, StandardCharsets.UTF_8);
    }

    String errText() {
      return new String(err, StandardCharsets.UTF_8);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final String proof;

  /** Connects and proves itself with the secret of the state line; checks the answer's proof. */
  ResidentCaller(String stateLine) throws IOException {
    String[] state = stateLine.strip().split(" ");
    this.socket = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(state[0]));
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
    this.proof = state[2];
    out.write(("GRIDC1 " + state[1] + "\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    String answer = line();
    if (!answer.equals(proof)) {
      throw new IOException("the resident client's proof is wrong: " + answer);
    }
  }

  Socket socket() {
    return socket;
  }

  /** Runs a command line; the environment holds what bash would send. */
  static Answer run(String stateLine, Path cwd, Map<String, String> env, String... args)
      throws IOException {
    try (ResidentCaller caller = new ResidentCaller(stateLine)) {
      caller.send(request(cwd, env, args));
      return caller.answer();
    }
  }

  /** The bytes of a {@code run} request. */
  static byte[] request(Path cwd, Map<String, String> env, String... args) {
    List<String> fields = new ArrayList<>(List.of("run", String.valueOf(args.length)));
    fields.addAll(List.of(args));
    fields.add(cwd.toString());
    fields.add(String.valueOf(env.size()));
    env.forEach((name, value) -> fields.add(name + "=" + value));
    fields.add("000");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (String field : fields) {
      bytes.writeBytes(field.getBytes(StandardCharsets.UTF_8));
      bytes.write(0);
    }
    return bytes.toByteArray();
  }

  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Reads frames up to the exit code or the decline. */
  Answer answer() throws IOException {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    while (true) {
      String header = line();
      char kind = header.charAt(0);
      String value = header.substring(2);
      switch (kind) {
        case 'O', 'o', 'E', 'e' -> {
          byte[] bytes = in.readNBytes(Integer.parseInt(value));
          if (kind == 'O' || kind == 'E') {
            assertPrintable(bytes);
          }
          (kind == 'O' || kind == 'o' ? stdout : stderr).writeBytes(bytes);
        }
        case 'X' -> {
          return new Answer(
              Integer.parseInt(value), stdout.toByteArray(), stderr.toByteArray(), null);
        }
        case 'D' -> {
          return new Answer(-1, stdout.toByteArray(), stderr.toByteArray(), value);
        }
        default -> throw new IOException("unknown frame " + header);
      }
    }
  }

  private static void assertPrintable(byte[] bytes) throws IOException {
    if (bytes.length > CallOutput.MAX_TEXT || !CallOutput.printable(bytes)) {
      throw new IOException("a text frame that bash's read -N would not keep as it is");
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after " + line.size() + " bytes of a line");
      }
      if (b == '\n') {
        return line.toString(StandardCharsets.US_ASCII);
      }
      line.write(b);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
