package dev.grid.api.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 connection to a node, kept open between requests: what {@link NodeTransport} sends
 * requests over.
 *
 * <p>Why not {@link java.net.HttpURLConnection}: for a request with a body it writes the head and
 * the body separately, without {@code TCP_NODELAY}, so a small body waits for the node's delayed
 * acknowledgement of the head. A submit spent 1.3 ms in that wait on loopback, against 0.05 ms for
 * the head and body in one write (docs/BENCHMARKS.md, 2026-12-07). Here a request is one write (a
 * file body follows in 64 KiB writes), with {@code TCP_NODELAY} on. Why not {@code
 * java.net.http.HttpClient}: a client command makes one call and ends, and {@code HttpClient} sets
 * up TLS even for {@code http://} and a selector thread, about 0.6 s of a 1 s {@code bin/nodes}.
 *
 * <p>What it speaks: requests with a {@code Content-Length} (always given for a method other than
 * GET, so a node never waits for a body); answers with a {@code Content-Length}, chunked, or ending
 * with the connection; informational (1xx) answers skipped. Nothing else of HTTP is needed between
 * a client and a node.
 *
 * <p>Not thread-safe: one request at a time; {@link NodeTransport} keeps idle ones per node.
 */
final class HttpConnection implements AutoCloseable {
  /** The most informational (1xx) answers skipped before the answer. */
  static final int MAX_INFORMATIONAL = 10;

  /** The most a status line and headers may take. */
  static final int MAX_HEAD_BYTES = 64 * 1024;

  private static final int BUFFER_BYTES = 64 * 1024;
  private static final byte[] CRLF = {'\r', '\n'};

  private final URI node;
  private final SocketChannel channel;
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final String host;
  private long idleSinceNanos;
  private boolean reused;

  private HttpConnection(URI node, SocketChannel channel, Socket socket, String host)
      throws IOException {
    this.node = node;
    this.channel = channel;
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream(), BUFFER_BYTES);
    this.out = socket.getOutputStream();
    this.host = host;
  }

  /**
   * Connects to the node (and, for {@code https}, completes the TLS handshake, checking the
   * certificate and that it names the node's host). An exception here means the node never saw a
   * request on this connection.
   *
   * @param tls the socket factory for {@code https} nodes, or null for the JVM's default
   */
  static HttpConnection open(URI node, SSLSocketFactory tls, int connectMillis, int readMillis)
      throws IOException {
    boolean https = "https".equalsIgnoreCase(node.getScheme());
    if (!https && !"http".equalsIgnoreCase(node.getScheme())) {
      throw new IOException("the URL " + node + " is neither http:// nor https://");
    }
    String hostName = node.getHost();
    if (hostName == null) {
      throw new IOException("the URL " + node + " names no host");
    }
    if (hostName.startsWith("[") && hostName.endsWith("]")) {
      hostName = hostName.substring(1, hostName.length() - 1); // an IPv6 literal: [::1]
    }
    int port = node.getPort() >= 0 ? node.getPort() : (https ? 443 : 80);
    SocketChannel channel = SocketChannel.open();
    try {
      Socket plain = channel.socket();
      plain.connect(new InetSocketAddress(hostName, port), connectMillis);
      plain.setTcpNoDelay(true);
      plain.setSoTimeout(readMillis);
      Socket socket = plain;
      if (https) {
        SSLSocketFactory factory =
            tls != null ? tls : (SSLSocketFactory) SSLSocketFactory.getDefault();
        SSLSocket ssl = (SSLSocket) factory.createSocket(plain, hostName, port, true);
        SSLParameters parameters = ssl.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate names the host
        ssl.setSSLParameters(parameters);
        ssl.setSoTimeout(readMillis);
        ssl.startHandshake();
        socket = ssl;
      }
      String host = hostName.contains(":") ? "[" + hostName + "]" : hostName;
      return new HttpConnection(node, channel, socket, host + ":" + port);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  URI node() {
    return node;
  }

  /** Whether this connection already carried an exchange before the one under way. */
  boolean reused() {
    return reused;
  }

  /** Nanoseconds (of {@link System#nanoTime}) since this connection last finished an exchange. */
  long idleNanos(long now) {
    return now - idleSinceNanos;
  }

  /**
   * Whether a kept connection can take another request: the node has not closed it and sent nothing
   * unasked. Looks without waiting (a non-blocking read of the socket).
   */
  boolean stillOpen() {
    try {
      if (in.available() > 0) {
        return false; // bytes nobody asked for: the connection is out of step
      }
      synchronized (channel.blockingLock()) {
        channel.configureBlocking(false);
        try {
          return channel.read(ByteBuffer.allocate(1)) == 0;
        } finally {
          channel.configureBlocking(true);
        }
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Sends one request and reads its whole answer.
   *
   * @param target the path and query, like {@code /api/jobs?limit=10}
   * @param headers extra request headers, name then value, in pairs
   * @param body the body (null: none; a method other than GET then sends {@code Content-Length: 0})
   * @throws IOException if the connection failed or the answer broke off or was not HTTP; the
   *     request may then have reached the node
   */
  Answer exchange(String method, String target, String[] headers, NodeTransport.Body body)
      throws IOException {
    StringBuilder head = new StringBuilder(256);
    head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(host).append("\r\n");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    if (body != null) {
      head.append("Content-Type: ").append(body.contentType()).append("\r\n");
      head.append("Content-Length: ").append(body.length()).append("\r\n");
    } else if (!method.equals("GET") && !method.equals("HEAD")) {
      head.append("Content-Length: 0\r\n");
    }
    head.append("\r\n");
    sendRequest(head.toString().getBytes(StandardCharsets.ISO_8859_1), body);
    Answer answer = readAnswer(method.equals("HEAD"));
    idleSinceNanos = System.nanoTime();
    reused = true;
    return answer;
  }

  /** The head and up to 64 KiB of the body in one write, the rest of the body after it. */
  private void sendRequest(byte[] head, NodeTransport.Body body) throws IOException {
    if (body == null || body.length() == 0) {
      out.write(head);
      out.flush();
      return;
    }
    try (InputStream content = body.content().open()) {
      byte[] first = new byte[(int) Math.min(body.length(), BUFFER_BYTES)];
      int read = content.readNBytes(first, 0, first.length);
      byte[] start = new byte[head.length + read];
      System.arraycopy(head, 0, start, 0, head.length);
      System.arraycopy(first, 0, start, head.length, read);
      out.write(start);
      long sent = read;
      byte[] buffer = first;
      int n;
      while (sent < body.length() && (n = content.read(buffer)) > 0) {
        int take = (int) Math.min(n, body.length() - sent);
        out.write(buffer, 0, take);
        sent += take;
      }
      if (sent != body.length()) {
        throw new IOException(
            "the request body held " + sent + " bytes, not the " + body.length() + " announced");
      }
      out.flush();
    }
  }

  private Answer readAnswer(boolean headRequest) throws IOException {
    for (int informational = 0; ; informational++) {
      if (informational > MAX_INFORMATIONAL) {
        throw new IOException("the node sent over " + MAX_INFORMATIONAL + " informational answers");
      }
      String[] lines = readHead().split("\r\n");
      String[] status = lines[0].split(" ", 3);
      if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
        throw new IOException("the node answered something other than HTTP: " + lines[0]);
      }
      int code;
      try {
        code = Integer.parseInt(status[1]);
      } catch (NumberFormatException e) {
        throw new IOException("the node answered a malformed status line: " + lines[0], e);
      }
      Map<String, String> fields = new HashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
          fields.merge(name, lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
        }
      }
      if (code >= 100 && code < 200) {
        continue; // 100 Continue and the like: the answer follows
      }
      boolean keep =
          !containsToken(fields.get("connection"), "close")
              && (status[0].equals("HTTP/1.1")
                  || containsToken(fields.get("connection"), "keep-alive"));
      byte[] body;
      if (headRequest || code == 204 || code == 304) {
        body = new byte[0];
      } else if (containsToken(fields.get("transfer-encoding"), "chunked")) {
        body = readChunked();
      } else if (fields.containsKey("content-length")) {
        body = readExactly(parseLength(fields.get("content-length")));
      } else {
        body = in.readAllBytes(); // the answer ends with the connection
        keep = false;
      }
      return new Answer(code, fields, body, keep);
    }
  }

  /** The status line and headers, up to and without the empty line that ends them. */
  private String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(512);
    int matched = 0; // how much of CR LF CR LF was just read
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException(
            head.size() == 0
                ? "the node closed the connection without answering"
                : "the answer broke off in its headers");
      }
      if (head.size() >= MAX_HEAD_BYTES) {
        throw new IOException("the answer's headers are over " + MAX_HEAD_BYTES + " bytes");
      }
      head.write(b);
      matched = (b == CRLF[matched % 2]) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    return text.substring(0, text.length() - 4);
  }

  private byte[] readExactly(long length) throws IOException {
    if (length > Integer.MAX_VALUE - 16) {
      throw new IOException("the answer of " + length + " bytes is too large to hold");
    }
    byte[] body = in.readNBytes((int) length);
    if (body.length != length) {
      throw new IOException(
          "the answer broke off after " + body.length + " of its " + length + " bytes");
    }
    return body;
  }

  private byte[] readChunked() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String line = readLine();
      int extension = line.indexOf(';');
      String size = (extension >= 0 ? line.substring(0, extension) : line).trim();
      long length;
      try {
        length = Long.parseLong(size, 16);
      } catch (NumberFormatException e) {
        throw new IOException("the answer has a malformed chunk size: " + line, e);
      }
      if (length == 0) {
        while (!readLine().isEmpty()) {
          // trailer fields: none that matter here
        }
        return body.toByteArray();
      }
      if (length < 0 || body.size() + length > Integer.MAX_VALUE - 16) {
        throw new IOException("the answer's chunks are too large to hold");
      }
      byte[] chunk = in.readNBytes((int) length);
      body.write(chunk);
      if (chunk.length != length || !readLine().isEmpty()) {
        throw new IOException("the answer broke off after " + body.size() + " bytes, in a chunk");
      }
    }
  }

  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the answer broke off after its last whole chunk");
      }
      if (b == '\n') {
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r'
            ? line.substring(0, end - 1)
            : line.toString();
      }
      if (line.length() >= MAX_HEAD_BYTES) {
        throw new IOException("a line of the answer is over " + MAX_HEAD_BYTES + " bytes");
      }
      line.append((char) b);
    }
  }

  private static long parseLength(String value) throws IOException {
    try {
      long length = Long.parseLong(value.split(",")[0].trim());
      if (length < 0) {
        throw new NumberFormatException();
      }
      return length;
    } catch (NumberFormatException e) {
      throw new IOException("the answer has a malformed Content-Length: " + value, e);
    }
  }

  private static boolean containsToken(String value, String token) {
    if (value == null) {
      return false;
    }
    for (String part : value.split(",")) {
      if (part.trim().equalsIgnoreCase(token)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Closes at once: the channel first, so that a TLS socket's close never waits for the node's
   * answer to its close_notify (JDK 17 reads it with the request timeout, and a node cut off never
   * answers).
   */
  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing: nothing left to do with it
    }
    try {
      socket.close();
    } catch (IOException ignored) {
      // as above
    }
  }

  /**
   * A node's whole answer.
   *
   * @param headers header fields by lower-case name (repeated fields joined with ", ")
   * @param keepAlive whether the connection may carry another request
   */
  record Answer(int status, Map<String, String> headers, byte[] body, boolean keepAlive) {}
}
