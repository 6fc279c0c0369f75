package dev.grid.node.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.api.GridClient;
import dev.grid.api.GridUnavailableException;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.internal.Pem;
import dev.grid.node.Skip;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API over TLS, with a certificate made by openssl as an operator would: a client that
 * trusts the certificate's CA file talks to the node; one that does not, or that speaks plain HTTP
 * to the HTTPS port, gets nothing. Skipped, saying so, where openssl is missing (CI installs it).
 */
class HttpsApiTest {
  private final FakeGridOperations ops = new FakeGridOperations("n1");
  @TempDir Path dir;
  private Path cert;
  private HttpApi api;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @BeforeEach
  void start() throws Exception {
    Skip.unless(
        opensslRuns(),
        "HttpsApiTest",
        "no openssl here to make its certificate: apt-get install openssl");
    cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    certificate(cert, key, "IP:127.0.0.1,DNS:localhost");
    api =
        new HttpApi(
                ops,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                HttpApiTest.TOKEN,
                () -> null,
                Pem.serverContext(cert, key))
            .withMetrics(registry)
            .start();
  }

  /** Whether {@code openssl} runs here: a minimal machine may go without it. */
  private static boolean opensslRuns() throws InterruptedException {
    try {
      Process version = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
      version.getInputStream().readAllBytes();
      return version.waitFor(30, TimeUnit.SECONDS) && version.exitValue() == 0;
    } catch (IOException missing) {
      return false;
    }
  }

  /** A self-signed certificate naming {@code subjectAltName}, as an operator makes one. */
  static void certificate(Path cert, Path key, String subjectAltName) throws Exception {
    Process openssl =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=" + subjectAltName,
                "-keyout",
                key.toString(),
                "-out",
                cert.toString())
            .redirectErrorStream(true)
            .start();
    String said = new String(openssl.getInputStream().readAllBytes());
    assertThat(openssl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(openssl.exitValue()).as(said).isZero();
  }

  @AfterEach
  void stop() {
    if (api != null) {
      api.close();
    }
    registry.close();
  }

  private URI url(String scheme) {
    return URI.create(scheme + "://127.0.0.1:" + api.port());
  }

  @Test
  void a_client_that_trusts_the_certificate_submits_and_reads_over_https() {
    try (GridClient client =
        GridClient.builder()
            .nodes(List.of(url("https")))
            .token(HttpApiTest.TOKEN)
            .caFile(cert)
            .build()) {
      JobId id = client.submit(JobSpec.command("true"));
      assertThat(client.status(id).id()).isEqualTo(id);
    }
  }

  @Test
  void a_scraper_that_trusts_the_certificate_reads_metrics_over_https_as_prometheus_would()
      throws Exception {
    // As Prometheus with tls_config.ca_file and authorization.credentials_file.
    HttpClient scraper = HttpClient.newBuilder().sslContext(Pem.trusting(cert)).build();
    HttpResponse<String> health =
        scraper.send(get("/api/health"), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> scraped =
        scraper.send(get("/metrics"), HttpResponse.BodyHandlers.ofString());

    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(scraped.statusCode()).isEqualTo(200);
    assertThat(
            PrometheusText.parse(scraped.body())
                .value("grid_http_requests_seconds_count", "route", "/api/health"))
        .isEqualTo(1);
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(URI.create(url("https") + path))
        .header("Authorization", "Bearer " + HttpApiTest.TOKEN)
        .build();
  }

  @Test
  void a_certificate_of_a_trusted_ca_that_does_not_name_the_node_is_refused() throws Exception {
    Path otherCert = dir.resolve("other-cert.pem");
    Path otherKey = dir.resolve("other-key.pem");
    certificate(otherCert, otherKey, "DNS:elsewhere.example");
    try (HttpApi other =
            new HttpApi(
                    ops,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    HttpApiTest.TOKEN,
                    () -> null,
                    Pem.serverContext(otherCert, otherKey))
                .start();
        GridClient client =
            GridClient.builder()
                .nodes(List.of(URI.create("https://127.0.0.1:" + other.port())))
                .token(HttpApiTest.TOKEN)
                .caFile(otherCert)
                .build()) {
      // The certificate is trusted (it is its own CA) but names another host: a man in the
      // middle holding any certificate of that CA must not pass for the node.
      assertThatThrownBy(() -> client.submit(JobSpec.command("true")))
          .isInstanceOf(GridUnavailableException.class)
          .hasMessageContaining("127.0.0.1");
    }
    assertThat(ops.submitted()).isEmpty();
  }

  @Test
  void a_client_that_does_not_trust_it_or_speaks_plain_http_gets_nothing() {
    try (GridClient untrusting =
        GridClient.builder().nodes(List.of(url("https"))).token(HttpApiTest.TOKEN).build()) {
      assertThatThrownBy(untrusting::nodes)
          .isInstanceOf(GridUnavailableException.class)
          .hasMessageContaining("set GRID_CA_FILE or --ca-file");
    }
    try (GridClient plain =
        GridClient.builder().nodes(List.of(url("http"))).token(HttpApiTest.TOKEN).build()) {
      assertThatThrownBy(plain::nodes).isInstanceOf(GridUnavailableException.class);
    }
    assertThat(ops.submitted()).isEmpty();
  }

  @Test
  void a_key_file_that_is_no_pkcs8_key_is_refused_naming_it_and_the_conversion() throws Exception {
    Path notKey = Files.writeString(dir.resolve("rsa.pem"), "-----BEGIN RSA PRIVATE KEY-----\n");
    assertThatThrownBy(() -> Pem.serverContext(cert, notKey))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(notKey.toString())
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    Path noCert = Files.writeString(dir.resolve("empty.pem"), "");
    assertThatThrownBy(() -> GridClient.builder().caFile(noCert))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(noCert.toString());
  }
}
