package dev.grid.node.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.internal.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Named tokens from a tokens file: what each role may do, who is recorded, the audit log. */
class TokenRolesTest {
  private static final String OPS = "ops-token-0123456789";
  private static final String ALICE = "alice-token-0123456789";
  private static final String BOB = "bob-token-0123456789";
  private static final String VIEW = "view-token-0123456789";
  private static final String SPEC = "{\"argv\":[\"echo\",\"hi\"]}";

  @TempDir Path dir;
  private final FakeGridOperations ops = new FakeGridOperations("n1");
  private final HttpClient http = HttpClient.newHttpClient();
  private final ListAppender<ILoggingEvent> audit = new ListAppender<>();
  private Path file;
  private TokenFile tokens;
  private HttpApi api;

  @BeforeEach
  void start() throws IOException {
    file = dir.resolve("tokens");
    write(
        "ops admin "
            + OPS
            + "\nalice submit "
            + ALICE
            + "\nbob submit "
            + BOB
            + "\nviewer read "
            + VIEW
            + "\n");
    audit.start();
    ((Logger) LoggerFactory.getLogger(AccessLog.NAME)).addAppender(audit);
    tokens = TokenFile.read(file);
    api =
        new HttpApi(
                ops,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                tokens,
                () -> null,
                null)
            .start();
  }

  @AfterEach
  void stop() {
    api.close();
    ((Logger) LoggerFactory.getLogger(AccessLog.NAME)).detachAppender(audit);
  }

  private void write(String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
  }

  private HttpResponse<String> send(String method, String path, String body, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("Authorization", "Bearer " + token);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String error(HttpResponse<String> response) {
    return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8)).get("error").asText();
  }

  private String submit(String token) throws Exception {
    HttpResponse<String> response = send("POST", "/api/jobs", SPEC, token);
    assertThat(response.statusCode()).isEqualTo(201);
    return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8)).get("id").asText();
  }

  private List<String> auditLines() {
    return audit.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void when_a_read_token_reads_then_it_may_but_every_change_is_refused_with_403() throws Exception {
    String id = submit(ALICE);

    assertThat(send("GET", "/api/jobs", null, VIEW).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/api/jobs/" + id, null, VIEW).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/api/nodes", null, VIEW).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/api/schedules", null, VIEW).statusCode()).isEqualTo(200);
    HttpResponse<String> submit = send("POST", "/api/jobs", SPEC, VIEW);
    assertThat(submit.statusCode()).isEqualTo(403);
    assertThat(error(submit))
        .isEqualTo(
            "token 'viewer' has the read role; POST /api/jobs needs submit: ask the grid's"
                + " operator for a token with that role");
    assertThat(send("POST", "/api/jobs/" + id + "/cancel", null, VIEW).statusCode()).isEqualTo(403);
    assertThat(send("PUT", "/api/jars/" + "a".repeat(64), "x", VIEW).statusCode()).isEqualTo(403);
    assertThat(ops.submitted()).hasSize(1);
    assertThat(ops.job(JobId.of(id)).orElseThrow().state().isTerminal()).isFalse();
    await()
        .untilAsserted(
            () ->
                assertThat(auditLines())
                    .anyMatch(
                        l ->
                            l.matches(
                                "audit: viewer \\(read\\) from 127.0.0.1: POST /api/jobs -> 403.*")));
  }

  @Test
  void when_a_submit_token_submits_then_the_job_records_its_name_whatever_the_client_sent()
      throws Exception {
    HttpResponse<String> forged =
        send("POST", "/api/jobs", "{\"argv\":[\"true\"],\"submittedBy\":\"ops\"}", ALICE);
    assertThat(forged.statusCode()).isEqualTo(201);
    submit(BOB);

    assertThat(ops.submitted()).extracting(JobSpec::submittedBy).containsExactly("alice", "bob");
    String id = Json.readTree(forged.body().getBytes(StandardCharsets.UTF_8)).get("id").asText();
    HttpResponse<String> status = send("GET", "/api/jobs/" + id, null, VIEW);
    assertThat(
            Json.readTree(status.body().getBytes(StandardCharsets.UTF_8))
                .get("spec")
                .get("submittedBy")
                .asText())
        .isEqualTo("alice");
    await()
        .untilAsserted(
            () ->
                assertThat(auditLines())
                    .anyMatch(
                        l ->
                            l.matches(
                                "audit: alice \\(submit\\) from 127.0.0.1: POST /api/jobs -> 201 job "
                                    + id
                                    + ": true")));
  }

  @Test
  void when_a_submit_token_cancels_then_only_its_own_jobs_while_an_admin_cancels_any()
      throws Exception {
    String alices = submit(ALICE);
    String bobs = submit(BOB);
    String other = submit(BOB);

    HttpResponse<String> refused = send("POST", "/api/jobs/" + bobs + "/cancel", null, ALICE);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(error(refused))
        .isEqualTo(
            "job "
                + bobs
                + " was submitted by 'bob': token 'alice' may cancel only its own jobs; an admin"
                + " token cancels any");
    assertThat(ops.job(JobId.of(bobs)).orElseThrow().state().isTerminal()).isFalse();
    assertThat(send("POST", "/api/jobs/" + alices + "/cancel", null, ALICE).statusCode())
        .isEqualTo(200);
    assertThat(send("POST", "/api/jobs/" + other + "/cancel", null, OPS).statusCode())
        .isEqualTo(200);
    assertThat(ops.job(JobId.of(alices)).orElseThrow().state().isTerminal()).isTrue();
    assertThat(ops.job(JobId.of(other)).orElseThrow().state().isTerminal()).isTrue();
    await()
        .untilAsserted(
            () ->
                assertThat(auditLines())
                    .contains(
                        "audit: alice (submit) from 127.0.0.1: POST /api/jobs/"
                            + bobs
                            + "/cancel -> 403",
                        "audit: ops (admin) from 127.0.0.1: POST /api/jobs/"
                            + other
                            + "/cancel -> 200 job "
                            + other));
  }

  @Test
  void when_schedules_or_storage_change_then_only_an_admin_may_and_the_schedule_records_it()
      throws Exception {
    String schedule = "{\"name\":\"nightly\",\"cron\":\"0 0 2 * * ?\",\"job\":" + SPEC + "}";

    assertThat(send("POST", "/api/schedules", schedule, ALICE).statusCode()).isEqualTo(403);
    assertThat(send("POST", "/api/storage/repair", null, ALICE).statusCode()).isEqualTo(403);
    assertThat(ops.schedule("nightly")).isEmpty();
    assertThat(send("POST", "/api/schedules", schedule, OPS).statusCode()).isEqualTo(201);
    assertThat(send("POST", "/api/schedules/nightly/pause", null, ALICE).statusCode())
        .isEqualTo(403);
    assertThat(send("DELETE", "/api/schedules/nightly", null, BOB).statusCode()).isEqualTo(403);

    assertThat(ops.schedule("nightly").orElseThrow().spec().job().submittedBy()).isEqualTo("ops");
    await()
        .untilAsserted(
            () ->
                assertThat(auditLines())
                    .contains(
                        "audit: ops (admin) from 127.0.0.1: POST /api/schedules -> 201 schedule nightly"
                            + " (0 0 2 * * ?): echo hi"));
  }

  @Test
  void when_a_read_token_asks_for_a_verifying_check_then_it_is_refused_while_a_plain_one_answers()
      throws Exception {
    assertThat(send("GET", "/api/storage/check", null, VIEW).statusCode()).isEqualTo(200);
    HttpResponse<String> verify = send("GET", "/api/storage/check?verify=true", null, VIEW);
    assertThat(verify.statusCode()).isEqualTo(403);
    assertThat(error(verify)).contains("needs admin");
    assertThat(send("GET", "/api/storage/check?verify=true", null, OPS).statusCode())
        .isEqualTo(200);
  }

  @Test
  void when_a_node_is_drained_then_only_an_admin_may_and_the_audit_log_records_it()
      throws Exception {
    for (String token : List.of(VIEW, ALICE)) {
      HttpResponse<String> refused = send("PUT", "/api/nodes/n1/drain", null, token);
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(error(refused)).contains("PUT /api/nodes/n1/drain needs admin");
      assertThat(send("DELETE", "/api/nodes/n1/drain", null, token).statusCode()).isEqualTo(403);
    }
    assertThat(ops.nodes()).allMatch(n -> n.drain() == null);

    HttpResponse<String> drained = send("PUT", "/api/nodes/n1-b/drain", null, OPS);
    assertThat(drained.statusCode()).isEqualTo(200);
    assertThat(drained.body()).contains("\"node\":\"n1-b\"", "\"state\":\"DRAINED\"");
    HttpResponse<String> nodes = send("GET", "/api/nodes", null, VIEW);
    assertThat(nodes.body()).contains("\"drain\":\"DRAINED\"").doesNotContain("DRAINING");

    HttpResponse<String> unknown = send("PUT", "/api/nodes/n7/drain", null, OPS);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(error(unknown))
        .isEqualTo(
            "no node named 'n7' has been in the grid since it started: check the name with"
                + " bin/nodes");
    HttpResponse<String> bad = send("PUT", "/api/nodes/a%20b/drain", null, OPS);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(error(bad)).startsWith("node name 'a b' is not valid");
    assertThat(send("POST", "/api/nodes/n1/drain", null, OPS).statusCode()).isEqualTo(405);

    assertThat(send("DELETE", "/api/nodes/n1-b/drain", null, OPS).statusCode()).isEqualTo(200);
    assertThat(ops.nodes()).allMatch(n -> n.drain() == null);
    await()
        .untilAsserted(
            () ->
                assertThat(auditLines())
                    .contains(
                        "audit: ops (admin) from 127.0.0.1: PUT /api/nodes/n1-b/drain -> 200 node"
                            + " n1-b: drained, DRAINED",
                        "audit: ops (admin) from 127.0.0.1: DELETE /api/nodes/n1-b/drain -> 200"
                            + " node n1-b: undrained",
                        "audit: alice (submit) from 127.0.0.1: PUT /api/nodes/n1/drain -> 403 refused,"
                            + " needs admin"));
  }

  @Test
  void when_a_command_holds_line_breaks_then_its_audit_line_stays_one_line() throws Exception {
    String id =
        Json.readTree(
                send("POST", "/api/jobs", "{\"shell\":\"true\\naudit: forged\\u2028x\"}", ALICE)
                    .body()
                    .getBytes(StandardCharsets.UTF_8))
            .get("id")
            .asText();

    await()
        .untilAsserted(
            () ->
                assertThat(auditLines())
                    .contains(
                        "audit: alice (submit) from 127.0.0.1: POST /api/jobs -> 201 job "
                            + id
                            + ": true\\u000aaudit: forged\\u2028x"));
  }

  @Test
  void when_unknown_tokens_keep_coming_then_the_audit_log_says_so_without_a_line_each() {
    java.net.InetSocketAddress prober = java.net.InetSocketAddress.createUnresolved("prober-1", 1);
    long t = 1_000_000;

    AccessLog.unknownToken(prober, "GET", "/api/jobs", t);
    for (int i = 1; i <= 3; i++) {
      AccessLog.unknownToken(prober, "GET", "/api/jobs", t + i);
    }
    AccessLog.unknownToken(prober, "POST", "/api/jobs", t + AccessLog.REFUSED_EVERY_MILLIS);

    assertThat(auditLines().stream().filter(l -> l.contains("prober-1")))
        .containsExactly(
            "audit: unknown token from prober-1: GET /api/jobs -> 401",
            "audit: unknown token from prober-1: POST /api/jobs -> 401 (and 3 more from there since"
                + " the last line)");
  }

  @Test
  void when_the_file_changes_then_the_new_tokens_hold_and_a_bad_file_keeps_the_old_ones()
      throws Exception {
    assertThat(send("GET", "/api/health", null, VIEW).statusCode()).isEqualTo(200);

    write("ops admin " + OPS + "\nviewer submit " + VIEW + "\n"); // bob gone, viewer promoted
    assertThat(tokens.reloadIfChanged()).isTrue();

    assertThat(send("POST", "/api/jobs", SPEC, VIEW).statusCode()).isEqualTo(201);
    assertThat(send("GET", "/api/health", null, BOB).statusCode()).isEqualTo(401);
    await()
        .untilAsserted(
            () -> assertThat(auditLines()).contains("audit: read 2 token(s) from " + file));

    write("ops admin " + OPS + "\nviewer submitter " + VIEW + "\n");
    assertThat(tokens.reloadIfChanged()).isFalse();
    assertThat(tokens.reloadIfChanged()).isFalse(); // unchanged since: not read again
    assertThat(send("POST", "/api/jobs", SPEC, VIEW).statusCode()).isEqualTo(201);

    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    write("ops admin " + OPS + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThat(tokens.reload()).isFalse(); // others could read it: not taken
    assertThat(send("POST", "/api/jobs", SPEC, VIEW).statusCode()).isEqualTo(201);
  }
}
