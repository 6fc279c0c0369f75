package dev.grid.bench;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.map.IMap;
import dev.grid.bench.job.NoOpJob;
import dev.grid.bench.peers.ChildProcesses;
import dev.grid.launch.FreePorts;
import dev.grid.launch.LocalGrid;
import dev.grid.launch.NodeProcess;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The raw engine's baseline for Java jobs: the same no-op ({@link NoOpJob}) sent with Hazelcast's
 * {@link IExecutorService}, round-robin over three members, with nothing the grid adds (no job
 * records, no output, no durable state, no HTTP).
 *
 * <p>Fairness. The members are <b>processes</b>, as the grid's nodes are: three JVMs started with
 * the nodes' own JVM options ({@link NodeProcess#BASE_JVM_OPTIONS} and {@link
 * LocalGrid#NODE_JVM_OPTIONS}) and member configuration ({@link RawMember}), sharing this machine's
 * cores. In one JVM the three members would share one heap, one JIT and one set of threads, which a
 * grid of three node processes does not get. The tasks are sent from this JVM, as the grid's are
 * sent by this JVM's client; this JVM joins as a <i>lite</i> member (one that holds no data and
 * runs no tasks), so every task crosses a socket to the member that runs it, as every grid job
 * does. At most {@code window} tasks are in flight at once.
 */
final class RawExecutorRun implements AutoCloseable {
  private static final long READY_SECONDS = 60;
  private static final long WAIT_MINUTES = 10;
  private static final String EXECUTOR = "bench-raw";

  private final List<Process> processes = new ArrayList<>();
  private final Path logDir;
  private HazelcastInstance lite;
  private IExecutorService executor;
  private List<Member> members;

  /** The task the raw executor runs: the bench's no-op job, called as a worker would call it. */
  static final class NoOpTask implements Callable<Object>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Object call() {
      return new NoOpJob().run(null);
    }
  }

  /** What a run of the raw executor saw. */
  record Result(int tasks, long nanos, int failed) {
    double perSecond() {
      return Figures.perSecond(tasks, nanos);
    }
  }

  private RawExecutorRun(Path logDir) {
    this.logDir = logDir;
  }

  /** Starts {@code count} member processes and joins them as a lite member; logs go to logDir. */
  static RawExecutorRun start(Path logDir, int count) {
    RawExecutorRun run = new RawExecutorRun(logDir);
    try {
      run.startMembers(count);
      return run;
    } catch (RuntimeException e) {
      run.close();
      throw e;
    }
  }

  private void startMembers(int count) {
    String cluster = "raw-bench-" + UUID.randomUUID();
    List<String> addresses = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ports.add(freePort());
      addresses.add("127.0.0.1:" + ports.get(i));
    }
    try {
      Files.createDirectories(logDir);
      for (int i = 0; i < count; i++) {
        List<String> command =
            ChildProcesses.javaCommand(
                ChildProcesses.nodeJvmOptions(),
                System.getProperty("java.class.path"),
                RawMember.class,
                List.of(
                    cluster,
                    "r" + (i + 1),
                    Integer.toString(ports.get(i)),
                    String.join(",", addresses)));
        processes.add(ChildProcesses.startLogged(command, logDir.resolve("r" + (i + 1) + ".log")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the raw executor's members", e);
    }
    Config config = RawMember.settings(cluster, "bench", freePort(), addresses).toConfig();
    config.setLiteMember(true);
    lite = Hazelcast.newHazelcastInstance(config);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
    while (lite.getCluster().getMembers().stream().filter(m -> !m.isLiteMember()).count() < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the raw executor's "
                + count
                + " members did not join"
                + " within "
                + READY_SECONDS
                + " s: see their logs in "
                + logDir);
      }
      for (Process p : processes) {
        if (!p.isAlive()) {
          throw new IllegalStateException(
              "a raw executor member exited with " + p.exitValue() + ": see its log in " + logDir);
        }
      }
      sleepBriefly();
    }
    members = lite.getCluster().getMembers().stream().filter(m -> !m.isLiteMember()).toList();
    executor = lite.getExecutorService(EXECUTOR);
  }

  /** A map of the raw members (the grid's map settings: one synchronous backup), from this JVM. */
  <K, V> IMap<K, V> map(String name) {
    return lite.getMap(name);
  }

  /** Process ids of the members, for their CPU time. */
  List<Long> pids() {
    return processes.stream().map(Process::pid).toList();
  }

  /** Sends {@code count} no-op tasks round-robin, {@code window} at most in flight; waits. */
  Result run(int count, int window) throws InterruptedException {
    Semaphore room = new Semaphore(window);
    CountDownLatch done = new CountDownLatch(count);
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    ExecutionCallback<Object> callback =
        new ExecutionCallback<>() {
          @Override
          public void onResponse(Object response) {
            room.release();
            done.countDown();
          }

          @Override
          public void onFailure(Throwable t) {
            failed.incrementAndGet();
            firstFailure.compareAndSet(null, t);
            room.release();
            done.countDown();
          }
        };
    NoOpTask task = new NoOpTask();
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      room.acquire();
      executor.submitToMember(task, members.get(i % members.size()), callback);
    }
    if (!done.await(WAIT_MINUTES, TimeUnit.MINUTES)) {
      throw new IllegalStateException(
          "the raw executor's "
              + count
              + " tasks did not all end"
              + " within "
              + WAIT_MINUTES
              + " min");
    }
    long nanos = System.nanoTime() - start;
    if (firstFailure.get() != null) {
      throw new IllegalStateException(
          failed.get()
              + " of "
              + count
              + " raw executor tasks failed,"
              + " the first with "
              + firstFailure.get(),
          firstFailure.get());
    }
    return new Result(count, nanos, failed.get());
  }

  @Override
  public void close() {
    if (lite != null) {
      lite.getLifecycleService().terminate();
      lite = null;
    }
    for (Process p : processes) {
      try {
        p.getOutputStream().close(); // the member stops when its input closes
      } catch (IOException e) {
        // it is being destroyed below anyway
      }
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    processes.clear();
  }

  private static void sleepBriefly() {
    try {
      Thread.sleep(50); // polling members that join; nothing to be notified by
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the raw executor's members started", e);
    }
  }

  private static int freePort() {
    return FreePorts.one();
  }
}
