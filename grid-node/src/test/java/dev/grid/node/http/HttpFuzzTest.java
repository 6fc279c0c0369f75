package dev.grid.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.scheduler.JobPosition;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated requests to every route, sent over a raw socket so that nothing in between
 * tidies them: methods, paths, query strings, headers and bodies, valid ones bent a little and
 * garbage. Whatever comes, the node answers with a status below 500 (or closes a request it cannot
 * even parse), and then still answers a good request. The seed is printed; a failure names it.
 */
class HttpFuzzTest {
  private static final int REQUESTS = 1500;
  private static final String[] METHODS = {
    "GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "get", "G\u00c9T", ""
  };
  private static final String[] BODIES = {
    "{\"argv\":[\"echo\",\"hi\"]}",
    "{\"shell\":\"true\",\"timeout\":\"PT30S\",\"maxRetries\":2}",
    "{\"argv\":[\"x\"],\"array\":\"0-9%2\",\"after\":{\"ok\":[\"j1\"]}}",
    "{\"java\":{\"jar\":\"" + "ab".repeat(32) + "\",\"className\":\"a.B\"}}",
    "{\"name\":\"t\",\"cron\":\"@every 10s\",\"job\":{\"argv\":[\"x\"]}}",
    "{\"name\":\"n\",\"cron\":\"*/5 * * * *\",\"zone\":\"Europe/Paris\",\"job\":{\"shell\":\"x\"}}",
    "[]",
    "null",
    "{",
    "\"\\ud800\"",
    "{\"argv\":[]}",
    "{\"argv\":null,\"shell\":null}",
    "{\"timeout\":\"P99999999999999D\",\"argv\":[\"x\"]}",
    "{\"maxRetries\":-99999999999999999999,\"argv\":[\"x\"]}",
    "{\"env\":{\"=\":\"x\"},\"argv\":[\"x\"]}",
    "{\"array\":\"0-99999999999\",\"argv\":[\"x\"]}",
  };

  private final FakeGridOperations ops = new FakeGridOperations("n1");
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private HttpApi api;
  private List<String> paths;

  @BeforeEach
  void start() {
    api =
        new HttpApi(
                ops, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), HttpApiTest.TOKEN)
            .withMetrics(registry)
            .start();
    JobId id = ops.submit(JobSpec.command("true"));
    paths =
        List.of(
            "/api/jobs",
            "/api/jobs/" + id,
            "/api/jobs/" + id + "/cancel",
            "/api/jobs/" + id + "/stdout",
            "/api/jobs/" + id + "/stderr",
            "/api/jobs/" + id + "/result",
            "/api/jobs/" + id + "/result?as=text",
            "/api/jobs?state=RUNNING&tasks=true",
            "/api/jobs?limit=2&after=" + JobPosition.of(ops.job(id).orElseThrow()).text(),
            "/api/jars/" + "ab".repeat(32),
            "/api/nodes",
            "/api/health",
            "/api/schedules",
            "/api/schedules/t",
            "/api/schedules/t/pause",
            "/api/schedules/t/runs",
            "/api/schedules?limit=1&after=s",
            "/api/schedules/t/runs?limit=3&after=1000",
            "/api/storage/blobs?prefix=out/&limit=5",
            "/api/storage/check?verify=false",
            "/api/storage/repair",
            "/metrics",
            // The page as /index.html: "/" bent to nothing is a request line without a target,
            // which Jetty answers 505 before the node sees it.
            "/index.html",
            "/ui/app.js",
            "/ui/app.css");
  }

  @AfterEach
  void stop() {
    api.close();
    registry.close();
  }

  @Test
  void no_request_gets_a_500_and_the_node_keeps_answering() throws Exception {
    long seed = System.nanoTime();
    System.out.println("HttpFuzzTest seed " + seed);
    Random random = new Random(seed);
    List<String> failures = new ArrayList<>();
    Map<Integer, Integer> statuses = new TreeMap<>();
    for (int i = 0; i < REQUESTS && failures.size() < 5; i++) {
      byte[] request = request(random);
      int status = send(request);
      statuses.merge(status, 1, Integer::sum);
      if (status >= 500) {
        failures.add(status + " for " + printable(request));
      }
    }
    System.out.println("HttpFuzzTest answers by status (0: closed without one): " + statuses);
    assertThat(failures).as("seed %d", seed).isEmpty();
    // The requests reach the routes, not only the parser: some are taken, many refused by them.
    assertThat(statuses.keySet()).as("seed %d", seed).contains(200, 400, 401, 404);
    String health =
        "GET /api/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + HttpApiTest.TOKEN
            + "\r\nConnection: close\r\n\r\n";
    assertThat(send(health.getBytes(StandardCharsets.US_ASCII))).isEqualTo(200);
  }

  private byte[] request(Random r) {
    String method = pick(r, METHODS);
    String path = mutate(r, pick(r, paths.toArray(new String[0])));
    String body = r.nextInt(3) == 0 ? "" : mutate(r, pick(r, BODIES));
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
    head.append("Host: x\r\n");
    if (r.nextInt(8) != 0) {
      head.append("Authorization: Bearer ").append(HttpApiTest.TOKEN).append("\r\n");
    }
    byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
    switch (r.nextInt(6)) {
      case 0 -> head.append("Content-Length: ").append(bodyBytes.length + r.nextInt(3) - 1);
      case 1 -> head.append("Content-Length: -5");
      case 2 -> head.append("Content-Type: application/json; charset=").append(pick(r, METHODS));
      default -> head.append("Content-Length: ").append(bodyBytes.length);
    }
    head.append("\r\n");
    if (r.nextInt(5) == 0) {
      head.append("X-")
          .append(mutate(r, "Junk"))
          .append(": ")
          .append(mutate(r, "v"))
          .append("\r\n");
    }
    head.append("Connection: close\r\n\r\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
    out.writeBytes(bodyBytes);
    return out.toByteArray();
  }

  /** The text with a few random changes: a character replaced, dropped, doubled or inserted. */
  private static String mutate(Random r, String text) {
    StringBuilder s = new StringBuilder(text);
    int changes = r.nextInt(4);
    String odd = "%/.?&=#\"\\{}[]:,\u0000\u00ff\u2028 0-9aZ_";
    for (int c = 0; c < changes && !s.isEmpty(); c++) {
      int at = r.nextInt(s.length());
      switch (r.nextInt(4)) {
        case 0 -> s.setCharAt(at, odd.charAt(r.nextInt(odd.length())));
        case 1 -> s.deleteCharAt(at);
        case 2 -> s.insert(at, s.charAt(at));
        default -> s.insert(at, odd.charAt(r.nextInt(odd.length())));
      }
    }
    return s.toString();
  }

  private static String pick(Random r, String[] from) {
    return from[r.nextInt(from.length)];
  }

  /** Sends the raw request; the status of the answer, or 0 if the node closed without one. */
  private int send(byte[] request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), api.port())) {
      socket.setSoTimeout(15_000);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request);
        out.flush();
        socket.shutdownOutput();
      } catch (IOException e) {
        // the node may close a request it refuses before reading all of it
      }
      InputStream in = socket.getInputStream();
      byte[] line = new byte[64];
      int n;
      try {
        n = in.readNBytes(line, 0, 12);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no answer within 15 s to " + printable(request), e);
      } catch (IOException e) {
        return 0; // reset: refused without an answer
      }
      String status = new String(line, 0, n, StandardCharsets.US_ASCII);
      return status.startsWith("HTTP/1.1 ") && n >= 12
          ? Integer.parseInt(status.substring(9, 12))
          : 0;
    }
  }

  private static String printable(byte[] request) {
    String s = new String(request, StandardCharsets.UTF_8);
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }
}
