package dev.grid.node.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.grid.api.GridAuthException;
import dev.grid.api.GridClient;
import dev.grid.api.GridException;
import dev.grid.api.GridUnavailableException;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobNotFoundException;
import dev.grid.api.JobPage;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GridClientTest {
  private static final String TOKEN = HttpApiTest.TOKEN;
  private static final Duration PATIENCE = Duration.ofSeconds(5);

  private final FakeGridOperations ops = new FakeGridOperations("n1");
  private HttpApi api;
  private GridClient client;

  @BeforeEach
  void start() {
    api =
        new HttpApi(ops, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN).start();
    client = GridClient.connect(List.of(url(api.port())), TOKEN);
  }

  @AfterEach
  void stop() {
    client.close();
    api.close();
  }

  static URI url(int port) {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** A port nothing listens on: bound once to find it free, then released. */
  static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void when_there_are_more_jobs_than_a_page_then_jobs_walks_every_page_oldest_first() {
    List<JobId> ids = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      ids.add(client.submit(JobSpec.command("true")));
    }
    client.cancel(ids.get(7));
    try (GridClient paging =
        GridClient.builder().nodes(List.of(url(api.port()))).token(TOKEN).pageSize(4).build()) {
      assertThat(paging.jobs()).extracting(JobInfo::id).containsExactlyElementsOf(ids);
      assertThat(paging.jobs(JobState.CANCELLED))
          .extracting(JobInfo::id)
          .containsExactly(ids.get(7));
    }

    JobPage first = client.jobsPage(Optional.empty(), false, 10, null);
    assertThat(first.jobs()).extracting(JobInfo::id).containsExactlyElementsOf(ids.subList(0, 10));
    assertThat(first.next()).isNotNull();
    ops.delete(ids.get(10)); // gone between pages: the walk goes on from where it was
    JobPage second = client.jobsPage(Optional.empty(), false, 2, first.next());
    assertThat(second.jobs()).extracting(JobInfo::id).containsExactly(ids.get(11), ids.get(12));
    JobPage last = client.jobsPage(Optional.empty(), false, 7, null);
    int pages = 1;
    while (last.next() != null) {
      last = client.jobsPage(Optional.empty(), false, 7, last.next());
      pages++;
    }
    assertThat(pages).as("24 jobs in pages of 7").isEqualTo(4);
    assertThat(last.jobs()).extracting(JobInfo::id).containsExactlyElementsOf(ids.subList(22, 25));
  }

  @Test
  void when_a_page_is_asked_for_wrongly_then_the_error_names_the_value() {
    assertThatThrownBy(() -> client.jobsPage(Optional.empty(), false, 0, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit 0");
    assertThatThrownBy(() -> client.jobsPage(Optional.empty(), false, 10, "not-a-cursor"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cursor 'not-a-cursor'");
  }

  @Test
  void when_a_job_is_submitted_then_status_list_cancel_and_output_round_trip() {
    JobSpec spec =
        JobSpec.command("printf", "%s", "a b 'c' $d")
            .withEnv(Map.of("K", "v"))
            .withTimeout(Duration.ofSeconds(30))
            .withMaxRetries(2);

    JobId first = client.submit(spec);
    JobId second = client.submit(JobSpec.shell("sleep 100"));
    ops.finish(
        first,
        JobState.SUCCEEDED,
        0,
        null,
        "out\n".getBytes(StandardCharsets.UTF_8),
        "err\n".getBytes(StandardCharsets.UTF_8));

    assertThat(ops.submitted())
        .containsExactly(
            spec.withSubmittedBy("admin"), JobSpec.shell("sleep 100").withSubmittedBy("admin"));
    JobInfo status = client.status(first);
    assertThat(status.id()).isEqualTo(first);
    assertThat(status.state()).isEqualTo(JobState.SUCCEEDED);
    assertThat(status.exitCode()).isZero();
    assertThat(status.spec()).isEqualTo(spec.withSubmittedBy("admin")); // the one token's name
    assertThat(client.jobs()).extracting(JobInfo::id).containsExactly(first, second);
    assertThat(client.jobs(JobState.QUEUED)).extracting(JobInfo::id).containsExactly(second);
    assertThat(client.stdout(first)).asString(StandardCharsets.UTF_8).isEqualTo("out\n");
    assertThat(client.stderr(first)).asString(StandardCharsets.UTF_8).isEqualTo("err\n");
    assertThat(client.stdout(second)).isEmpty();
    assertThat(client.cancel(second).state()).isEqualTo(JobState.CANCELLED);
    assertThat(client.status(second).state()).isEqualTo(JobState.CANCELLED);
    assertThat(client.nodes()).extracting(n -> n.name()).containsExactly("n1", "n1-b");
    assertThat(client.health()).isEqualTo("n1");
  }

  @Test
  void when_the_token_is_wrong_or_missing_then_auth_fails_and_nothing_is_submitted() {
    for (String token : new String[] {"wrong", null}) {
      try (GridClient intruder = GridClient.connect(List.of(url(api.port())), token)) {
        assertThatThrownBy(() -> intruder.submit(JobSpec.shell("rm -rf /")))
            .isInstanceOf(GridAuthException.class)
            .hasMessageContaining("check GRID_TOKEN or --token-file");
        assertThatThrownBy(intruder::jobs).isInstanceOf(GridAuthException.class);
      }
    }
    assertThat(ops.submitted()).isEmpty();
  }

  @Test
  void when_a_job_id_is_unknown_then_job_not_found() {
    JobId unknown = JobId.of("j-nope");
    assertThatThrownBy(() -> client.status(unknown))
        .isInstanceOf(JobNotFoundException.class)
        .hasMessageContaining("j-nope")
        .extracting(e -> ((JobNotFoundException) e).jobId())
        .isEqualTo(unknown);
    assertThatThrownBy(() -> client.cancel(unknown)).isInstanceOf(JobNotFoundException.class);
    assertThatThrownBy(() -> client.stdout(unknown)).isInstanceOf(JobNotFoundException.class);
  }

  @Test
  void when_the_first_url_is_down_then_the_next_answers() throws IOException {
    try (GridClient failover =
        GridClient.connect(List.of(url(closedPort()), url(api.port())), TOKEN)) {
      JobId id = failover.submit(JobSpec.shell("true"));
      assertThat(failover.status(id).id()).isEqualTo(id);
    }
    assertThat(ops.submitted()).hasSize(1);
  }

  @Test
  void when_a_node_is_cut_off_from_the_grid_then_it_does_nothing_and_the_next_node_answers() {
    FakeGridOperations cutOffOps = new FakeGridOperations("n2");
    try (HttpApi cutOff =
            new HttpApi(
                    cutOffOps,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    TOKEN,
                    () -> "node n2 sees 1 member(s), fewer than the 2 a majority needs")
                .start();
        GridClient failover =
            GridClient.connect(List.of(url(cutOff.port()), url(api.port())), TOKEN);
        GridClient onlyCutOff = GridClient.connect(List.of(url(cutOff.port())), TOKEN)) {
      JobId id = failover.submit(JobSpec.shell("true"));

      assertThat(failover.status(id).id()).isEqualTo(id);
      assertThat(cutOffOps.submitted()).isEmpty();
      assertThat(ops.submitted()).hasSize(1);
      assertThatThrownBy(onlyCutOff::jobs)
          .isInstanceOf(GridUnavailableException.class)
          .hasMessageContaining("fewer than the 2 a majority needs");
    }
  }

  @Test
  void when_a_node_is_cut_off_during_a_submit_then_it_is_not_announced_and_not_sent_again() {
    // In the grid when the request came, cut off while it wrote (and back by the answer): the
    // record may sit only on the node's side of the cut, so the client must not get an id.
    FakeGridOperations cutOps = new FakeGridOperations("n2");
    Presence cutDuringWrite =
        new Presence() {
          @Override
          public String outOfGrid() {
            return null;
          }

          @Override
          public boolean leftSince(long nanos) {
            return !cutOps.submitted().isEmpty();
          }
        };
    try (HttpApi cut =
            new HttpApi(
                    cutOps,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    TOKEN,
                    cutDuringWrite)
                .start();
        GridClient both = GridClient.connect(List.of(url(cut.port()), url(api.port())), TOKEN)) {
      assertThatThrownBy(() -> both.submit(JobSpec.shell("true")))
          .isInstanceOf(GridUnavailableException.class)
          .hasMessageContaining("node n2 was briefly cut off from the grid")
          .hasMessageContaining("may or may not have been done");

      assertThat(cutOps.submitted()).hasSize(1);
      assertThat(ops.submitted()).as("a submit is never sent to a second node").isEmpty();
      assertThat(both.jobs()).as("reads are answered as usual").hasSize(1);
    }
  }

  @Test
  void when_every_url_is_down_then_grid_unavailable_names_them() throws IOException {
    int a = closedPort();
    int b = closedPort();
    try (GridClient nowhere = GridClient.connect(List.of(url(a), url(b)), TOKEN)) {
      assertThatThrownBy(nowhere::jobs)
          .isInstanceOf(GridUnavailableException.class)
          .hasMessageContaining("127.0.0.1:" + a)
          .hasMessageContaining("127.0.0.1:" + b);
    }
  }

  @Test
  void when_a_node_breaks_off_after_a_submit_reached_it_then_it_is_not_resent() throws Exception {
    try (BreakingServer breaking = new BreakingServer();
        GridClient grid =
            GridClient.connect(List.of(url(breaking.port()), url(api.port())), TOKEN)) {
      assertThatThrownBy(() -> grid.submit(JobSpec.shell("echo once")))
          .isInstanceOf(GridUnavailableException.class)
          .hasMessageContaining("may have acted on it");
      assertThat(ops.submitted()).isEmpty();

      // a read is safe to repeat, so it moves on to the live node
      assertThat(grid.jobs()).isEmpty();
    }
  }

  @Test
  void when_a_node_has_answered_then_it_is_asked_first_next_time() throws Exception {
    try (BreakingServer breaking = new BreakingServer();
        GridClient grid =
            GridClient.connect(List.of(url(breaking.port()), url(api.port())), TOKEN)) {
      assertThat(grid.jobs()).isEmpty();
      int triedOnFirstCall = breaking.connections();
      assertThat(triedOnFirstCall).isPositive();

      grid.jobs();
      grid.nodes();

      assertThat(breaking.connections()).isEqualTo(triedOnFirstCall);
    }
  }

  @Test
  void when_the_job_ends_then_completion_completes_with_it() {
    JobId id = client.submit(JobSpec.shell("sleep 1"));
    CompletableFuture<JobInfo> done = client.completion(id);
    ops.start(id);
    await().during(Duration.ofMillis(200)).atMost(PATIENCE).until(() -> !done.isDone());

    ops.finish(id, JobState.FAILED, 3, "exit 3", new byte[0], new byte[0]);

    await().atMost(PATIENCE).until(done::isDone);
    assertThat(done.join().state()).isEqualTo(JobState.FAILED);
    assertThat(done.join().exitCode()).isEqualTo(3);
  }

  @Test
  void when_completion_is_cancelled_then_polling_stops() {
    JobId id = client.submit(JobSpec.shell("sleep 100"));
    CompletableFuture<JobInfo> done = client.completion(id);
    await().atMost(PATIENCE).until(() -> ops.statusCalls() >= 2);

    done.cancel(false);
    int polls = ops.statusCalls();

    // one poll may have been in flight when the future was cancelled
    await()
        .during(Duration.ofMillis(600))
        .atMost(PATIENCE)
        .until(() -> ops.statusCalls() <= polls + 1);
  }

  @Test
  void when_completion_is_asked_for_an_unknown_job_then_it_fails_with_not_found() {
    CompletableFuture<JobInfo> done = client.completion(JobId.of("j-ghost"));
    await().atMost(PATIENCE).until(done::isDone);
    assertThatThrownBy(done::join).hasCauseInstanceOf(JobNotFoundException.class);
  }

  @Test
  void when_submit_and_wait_outlasts_its_wait_then_it_says_the_job_goes_on() {
    assertThatThrownBy(
            () -> client.submitAndWait(JobSpec.shell("sleep 100"), Duration.ofMillis(100)))
        .isInstanceOf(GridException.class)
        .hasMessageContaining("did not end within");
    assertThat(ops.submitted()).hasSize(1);
  }

  @Test
  void when_the_client_is_closed_then_pending_completions_fail() {
    JobId id = client.submit(JobSpec.shell("sleep 100"));
    CompletableFuture<JobInfo> done = client.completion(id);
    client.close();
    assertThat(done).isCompletedExceptionally();
    assertThatThrownBy(done::join).hasMessageContaining("closed");
  }

  @Test
  void when_completion_is_asked_of_a_closed_client_then_it_fails_at_once() {
    JobId id = client.submit(JobSpec.shell("sleep 100"));
    client.close();
    CompletableFuture<JobInfo> done = client.completion(id);
    assertThat(done).isCompletedExceptionally();
    assertThatThrownBy(done::join).hasMessageContaining("closed");
  }

  /** Accepts connections, reads the request's first bytes, and hangs up without answering. */
  private static final class BreakingServer implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread thread;
    private final AtomicInteger connections = new AtomicInteger();

    BreakingServer() throws IOException {
      socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
      thread = new Thread(this::serve, "test-breaking-server");
      thread.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    int connections() {
      return connections.get();
    }

    private void serve() {
      while (!socket.isClosed()) {
        try (Socket connection = socket.accept()) {
          connections.incrementAndGet();
          InputStream in = connection.getInputStream();
          in.read(new byte[64]);
        } catch (IOException closed) {
          return;
        }
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void when_output_breaks_off_while_it_is_read_then_the_client_never_takes_part_for_the_whole() {
    JobId id = ops.submit(JobSpec.shell("seq 1 50000"));
    byte[] big = new byte[300_000];
    Arrays.fill(big, (byte) 'x');
    ops.finish(id, JobState.SUCCEEDED, 0, null, big, new byte[0]);
    ops.breakOutputsAfter(200_000);
    // The only node breaks off every time: the client fails, naming why, never returns 200 KB.
    assertThatThrownBy(() -> client.stdout(id))
        .isInstanceOf(GridUnavailableException.class)
        .hasMessageContaining("broke off");
  }
}
