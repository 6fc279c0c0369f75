package dev.grid.api.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.api.GridUnavailableException;
import dev.grid.api.internal.NodeTransport.Response;
import dev.grid.api.internal.NodeTransport.Retry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The client's own HTTP/1.1 against a node played by a plain socket, so that what goes over the
 * wire is seen byte for byte: a request and its body in one write, answers of every framing a node
 * sends, and kept connections that the node has closed.
 */
class NodeTransportTest {
  private FakeNode node;
  private NodeTransport transport;

  @AfterEach
  void stop() throws IOException {
    if (transport != null) {
      transport.close();
    }
    if (node != null) {
      node.close();
    }
  }

  private NodeTransport transport() {
    transport =
        new NodeTransport(
            List.of(node.url()), "secret", Duration.ofSeconds(2), Duration.ofSeconds(5));
    return transport;
  }

  @Test
  void a_request_with_its_body_goes_out_in_one_write_and_the_connection_is_kept() throws Exception {
    node = new FakeNode(request -> answer(201, "{\"id\":\"j1\"}", false));
    NodeTransport t = transport();

    for (int i = 0; i < 3; i++) {
      Response r =
          t.send(
              "POST",
              "/api/jobs",
              "{\"argv\":[\"true\"]}".getBytes(),
              Retry.ON_CONNECT_FAILURE_ONLY);
      assertThat(r.status()).isEqualTo(201);
      assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"j1\"}");
    }

    // The node read each request with a single read, head and body together.
    assertThat(node.firstReads).hasSize(3);
    for (String read : node.firstReads) {
      assertThat(read)
          .startsWith("POST /api/jobs HTTP/1.1\r\n")
          .contains("Authorization: Bearer secret\r\n", "Content-Length: 17\r\n")
          .endsWith("\r\n\r\n{\"argv\":[\"true\"]}");
    }
    assertThat(node.connections.get()).isEqualTo(1);
  }

  @Test
  void a_chunked_answer_is_read_whole_and_one_that_breaks_off_in_a_chunk_is_an_error()
      throws Exception {
    node =
        new FakeNode(
            request ->
                request.contains("/whole")
                    ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n"
                    : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                        + "a\r\nhal");
    NodeTransport t = transport();

    Response whole = t.send("GET", "/whole", null, Retry.ON_ANY_FAILURE);
    assertThat(new String(whole.body(), StandardCharsets.UTF_8)).isEqualTo("hello, world");
    assertThatThrownBy(() -> t.send("GET", "/broken", null, Retry.ON_ANY_FAILURE))
        .isInstanceOf(GridUnavailableException.class)
        .hasMessageContaining("broke off");
  }

  @Test
  void an_answer_shorter_than_its_content_length_is_an_error_not_a_whole_answer() throws Exception {
    node =
        new FakeNode(
            request -> "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nabc");

    assertThatThrownBy(() -> transport().send("GET", "/api/jobs", null, Retry.ON_ANY_FAILURE))
        .isInstanceOf(GridUnavailableException.class)
        .hasMessageContaining("broke off after 3 of its 10 bytes");
  }

  @Test
  void a_kept_connection_the_node_closed_is_never_used_so_a_submit_is_sent_once_and_answered()
      throws Exception {
    // The node answers, then closes the connection at once (as a node that restarted, or one
    // that timed the connection out, would have): the client must not write the next submit into
    // the closed connection, which would fail it as "may have acted on it".
    node = new FakeNode(request -> answer(201, "{\"id\":\"j1\"}", false));
    node.closeAfterAnswer = true;
    NodeTransport t = transport();

    t.send("POST", "/api/jobs", "{}".getBytes(), Retry.ON_CONNECT_FAILURE_ONLY);
    node.awaitClosed(1);
    Response second = t.send("POST", "/api/jobs", "{}".getBytes(), Retry.ON_CONNECT_FAILURE_ONLY);

    assertThat(second.status()).isEqualTo(201);
    assertThat(node.firstReads).hasSize(2);
    assertThat(node.connections.get()).isEqualTo(2);
  }

  @Test
  void connections_kept_past_their_time_are_closed_even_while_a_newer_one_is_in_use()
      throws Exception {
    // Four requests at once leave four kept connections; one thread then goes on sending, always
    // on the newest. The three others pass their time and must be closed, not left open.
    CountDownLatch together = new CountDownLatch(4);
    node =
        new FakeNode(
            request -> {
              together.countDown();
              try {
                together.await(5, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return answer(200, "{}", false);
            });
    Duration keep = Duration.ofMillis(300);
    transport =
        new NodeTransport(
            List.of(node.url()),
            "secret",
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            null,
            keep);
    ExecutorService four = Executors.newFixedThreadPool(4);
    try {
      List<Future<Response>> sent = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        sent.add(four.submit(() -> transport.send("GET", "/x", null, Retry.ON_ANY_FAILURE)));
      }
      for (Future<Response> f : sent) {
        assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      }
    } finally {
      four.shutdownNow();
    }
    assertThat(node.connections.get()).isEqualTo(4);

    // A client sending now and then, well within the kept time, until the three are closed.
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              assertThat(transport.send("GET", "/x", null, Retry.ON_ANY_FAILURE).status())
                  .isEqualTo(200);
              return node.closed.get() >= 3;
            });

    assertThat(node.connections.get()).isEqualTo(4); // the newest carried every later request
  }

  @Test
  void a_node_at_an_ipv6_address_is_reached_and_named_in_the_host_header() throws Exception {
    InetAddress ipv6 = InetAddress.getByName("::1");
    try (ServerSocket probe = new ServerSocket(0, 1, ipv6)) {
      // IPv6 loopback is there (containers may go without it)
    } catch (IOException e) {
      String why = "no IPv6 loopback here (" + e.getMessage() + ")";
      System.out.println("SKIPPED NodeTransportTest's IPv6 test: " + why); // Maven prints no reason
      Assumptions.abort(why);
    }
    node = new FakeNode(request -> answer(200, "{}", false), ipv6);
    transport =
        new NodeTransport(
            List.of(URI.create("http://[::1]:" + node.port())),
            "secret",
            Duration.ofSeconds(2),
            Duration.ofSeconds(5));

    assertThat(transport.send("GET", "/api/health", null, Retry.ON_ANY_FAILURE).status())
        .isEqualTo(200);
    assertThat(node.firstReads.get(0)).contains("Host: [::1]:" + node.port() + "\r\n");
  }

  @Test
  void a_kept_connection_closed_as_a_request_went_out_is_retried_only_if_the_request_may_repeat()
      throws Exception {
    // The node reads the second request of a connection and closes it without an answer, as a
    // node stopping just then would: a read goes again on a new connection; a submit may have
    // been acted on, so it fails saying so, and is not sent again.
    node = new FakeNode(request -> answer(200, "{}", false));
    node.dropSecondRequest = true;
    NodeTransport t = transport();

    assertThat(t.send("GET", "/a", null, Retry.ON_ANY_FAILURE).status()).isEqualTo(200);
    assertThat(t.send("GET", "/b", null, Retry.ON_ANY_FAILURE).status()).isEqualTo(200);
    assertThat(node.firstReads).hasSize(3); // /a, /b dropped, /b again
    assertThat(node.connections.get()).isEqualTo(2);

    assertThatThrownBy(
            () -> t.send("POST", "/api/jobs", "{}".getBytes(), Retry.ON_CONNECT_FAILURE_ONLY))
        .isInstanceOf(GridUnavailableException.class)
        .hasMessageContaining("may have acted on it");
    assertThat(node.firstReads).hasSize(4);
    assertThat(node.connections.get()).isEqualTo(2);
  }

  @Test
  void a_pending_interrupt_neither_fails_the_request_nor_is_lost() throws Exception {
    node = new FakeNode(request -> answer(200, "{}", false));
    NodeTransport t = transport();
    t.send("GET", "/warm", null, Retry.ON_ANY_FAILURE); // a kept connection, and a new one next

    Thread.currentThread().interrupt();
    try {
      assertThat(
              t.send("POST", "/api/jobs", "{}".getBytes(), Retry.ON_CONNECT_FAILURE_ONLY).status())
          .isEqualTo(200);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void a_token_with_a_line_break_is_refused_before_anything_is_sent() throws Exception {
    node = new FakeNode(request -> answer(200, "{}", false));

    assertThatThrownBy(
            () ->
                new NodeTransport(
                    List.of(node.url()),
                    "secret\r\nX-Other: 1",
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line break");
    assertThat(node.connections.get()).isZero();
  }

  @Test
  void a_request_without_a_body_other_than_get_says_its_length_is_zero() throws Exception {
    node = new FakeNode(request -> answer(204, "", false));

    Response r = transport().send("DELETE", "/api/jobs/j1", null, Retry.ON_CONNECT_FAILURE_ONLY);

    assertThat(r.status()).isEqualTo(204);
    assertThat(node.firstReads.get(0))
        .startsWith("DELETE /api/jobs/j1 HTTP/1.1\r\n")
        .contains("Content-Length: 0\r\n");
  }

  private static String answer(int status, String body, boolean close) {
    return "HTTP/1.1 "
        + status
        + " X\r\nContent-Type: application/json\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length
        + (close ? "\r\nConnection: close" : "")
        + "\r\n\r\n"
        + body;
  }

  /**
   * A node that reads each request with one {@code read} (what it got is kept in {@link
   * #firstReads}) and writes the answer its function makes, then closes the connection if the
   * answer says {@code Connection: close} or {@link #closeAfterAnswer} is set.
   */
  private static final class FakeNode implements AutoCloseable {
    final List<String> firstReads = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    volatile boolean closeAfterAnswer;
    volatile boolean dropSecondRequest;
    private final ServerSocket server;
    private final Thread thread;

    FakeNode(Function<String, String> answers) throws IOException {
      this(answers, InetAddress.getLoopbackAddress());
    }

    FakeNode(Function<String, String> answers, InetAddress address) throws IOException {
      server = new ServerSocket(0, 10, address);
      thread =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  Socket accepted;
                  try {
                    accepted = server.accept();
                  } catch (IOException e) {
                    return; // the server closed
                  }
                  connections.incrementAndGet();
                  Thread connection =
                      new Thread(
                          () -> {
                            try (Socket s = accepted) {
                              serve(s, answers);
                            } catch (IOException e) {
                              // the connection closed
                            } finally {
                              closed.incrementAndGet();
                            }
                          },
                          "fake-node-connection");
                  connection.setDaemon(true);
                  connection.start();
                }
              },
              "fake-node");
      thread.setDaemon(true);
      thread.start();
    }

    private void serve(Socket s, Function<String, String> answers) throws IOException {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      byte[] buffer = new byte[65536];
      for (int seen = 1; ; seen++) {
        int n = in.read(buffer);
        if (n < 0) {
          return;
        }
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        got.write(buffer, 0, n);
        String request = got.toString(StandardCharsets.ISO_8859_1);
        firstReads.add(request);
        if (dropSecondRequest && seen == 2) {
          return; // closed without an answer
        }
        String answer = answers.apply(request);
        out.write(answer.getBytes(StandardCharsets.UTF_8));
        out.flush();
        if (closeAfterAnswer || answer.contains("Connection: close")) {
          return;
        }
      }
    }

    void awaitClosed(int count) {
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> closed.get() >= count);
    }

    URI url() {
      return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
