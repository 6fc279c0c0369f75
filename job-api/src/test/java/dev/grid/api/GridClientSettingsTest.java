package dev.grid.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GridClientSettingsTest {

  @Test
  void when_urls_are_comma_separated_then_each_is_parsed_and_bare_hosts_get_http() {
    assertThat(GridClient.parseUrls(" http://a:1, b:2 ,,https://c:3/"))
        .containsExactly(
            URI.create("http://a:1"), URI.create("http://b:2"), URI.create("https://c:3/"));
  }

  @Test
  void when_a_url_is_bad_then_the_error_names_it() {
    assertThatThrownBy(() -> GridClient.parseUrls("ftp://x:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ftp://x:1");
    assertThatThrownBy(() -> GridClient.parseUrls(" , "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no grid URL");
  }

  @Test
  void when_the_environment_has_no_url_then_the_local_default_is_used() {
    try (GridClient client = GridClient.fromEnvironment(Map.of("GRID_TOKEN", "t"))) {
      assertThat(client.nodeUrls()).containsExactly(URI.create(GridClient.DEFAULT_URL));
    }
    try (GridClient client =
        GridClient.fromEnvironment(Map.of("GRID_URL", "http://x:1,http://y:2"))) {
      assertThat(client.nodeUrls())
          .containsExactly(URI.create("http://x:1"), URI.create("http://y:2"));
    }
  }

  @Test
  void when_a_builder_gets_bad_settings_then_it_refuses_them() {
    assertThatThrownBy(() -> GridClient.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no grid URL");
    assertThatThrownBy(() -> GridClient.builder().connectTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("connect timeout");
    assertThatThrownBy(() -> GridClient.builder().nodes(List.of(URI.create("mailto:x@y"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mailto:x@y");
  }

  @Test
  void when_a_closed_client_is_asked_for_completion_then_the_future_fails() {
    GridClient client = GridClient.connect(List.of(URI.create("http://127.0.0.1:1")), "t");
    client.close();
    client.close();
    assertThat(client.completion(JobId.of("j1"))).isCompletedExceptionally();
  }

  @Test
  void when_the_environment_names_a_ca_file_it_is_read_and_a_bad_one_is_named(@TempDir Path dir)
      throws Exception {
    Path empty = Files.writeString(dir.resolve("ca.pem"), "");
    assertThatThrownBy(
            () ->
                GridClient.builder()
                    .environment(
                        Map.of("GRID_URL", "https://h:1", "GRID_CA_FILE", empty.toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no certificate in " + empty);
    assertThatThrownBy(
            () ->
                GridClient.builder()
                    .environment(Map.of("GRID_CA_FILE", dir.resolve("missing.pem").toString())))
        .hasMessageContaining("cannot read the certificate file");
  }
}
