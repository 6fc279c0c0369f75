package dev.grid.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's files as the node serves them: without a token, with strict headers, nothing from
 * outside its folder, and revalidated by ETag. The page itself is tested in a browser
 * (DashboardBrowserIT).
 */
class DashboardHttpTest {
  private final FakeGridOperations ops = new FakeGridOperations("n1");
  private final HttpClient http = HttpClient.newHttpClient();
  private HttpApi api;

  @BeforeEach
  void start() {
    api =
        new HttpApi(ops, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "secret-token")
            .start();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void the_page_is_served_without_a_token_with_strict_headers() throws Exception {
    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.body()).contains("<script type=\"module\" src=\"/ui/app.js\">");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
        .startsWith("default-src 'self'")
        .contains("script-src 'self';", "frame-ancestors 'none'")
        .doesNotContain("unsafe-inline", "unsafe-eval");
    assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    assertThat(page.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
  }

  @Test
  void every_file_the_page_names_is_served_with_its_type() throws Exception {
    for (String name :
        new String[] {
          "app.js",
          "api.js",
          "dom.js",
          "overview.js",
          "jobs.js",
          "job.js",
          "arrays.js",
          "schedules.js",
          "storage.js"
        }) {
      HttpResponse<String> js = get("/ui/" + name);
      assertThat(js.statusCode()).as(name).isEqualTo(200);
      assertThat(js.headers().firstValue("Content-Type"))
          .hasValue("text/javascript; charset=utf-8");
    }
    assertThat(get("/ui/app.css").headers().firstValue("Content-Type"))
        .hasValue("text/css; charset=utf-8");
    assertThat(get("/ui/icon.svg").headers().firstValue("Content-Type")).hasValue("image/svg+xml");
  }

  @Test
  void an_unchanged_file_is_answered_304() throws Exception {
    HttpResponse<String> first = get("/ui/app.js");
    String etag = first.headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> again =
        http.send(
            HttpRequest.newBuilder(uri("/ui/app.js")).header("If-None-Match", etag).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
  }

  @Test
  void nothing_outside_the_dashboards_folder_is_served() throws Exception {
    assertThat(get("/ui/nope.js").statusCode()).isEqualTo(404);
    assertThat(get("/ui/").statusCode()).isEqualTo(404);
    assertThat(get("/elsewhere").statusCode()).isEqualTo(404);
    assertThat(get("/ui/.hidden.js").statusCode()).isEqualTo(404);
    assertThat(get("/ui/App.java").statusCode()).isEqualTo(404);
    // Sent raw: a client would normalize the dots away.
    assertThat(raw("GET /ui/../http/HttpApi.class HTTP/1.1")).startsWith("HTTP/1.1 4");
    assertThat(raw("GET /ui/%2e%2e/logback.xml HTTP/1.1")).startsWith("HTTP/1.1 4");
    assertThat(raw("GET /ui/..%2fGridNode.class HTTP/1.1")).startsWith("HTTP/1.1 4");
  }

  @Test
  void only_get_and_head_are_answered() throws Exception {
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(uri("/")).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    HttpResponse<String> head =
        http.send(
            HttpRequest.newBuilder(uri("/ui/app.css"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
  }

  @Test
  void the_api_still_needs_the_token() throws Exception {
    assertThat(get("/api/health").statusCode()).isEqualTo(401);
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + api.port() + path);
  }

  /** The status line of a request sent as written, with no client in between. */
  private String raw(String requestLine) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), api.port())) {
      socket.setSoTimeout(5000);
      String request = requestLine + "\r\nHost: localhost\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return answer.lines().findFirst().orElse("");
    }
  }
}
