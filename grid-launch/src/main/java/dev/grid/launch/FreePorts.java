package dev.grid.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Picks loopback ports that are free right now, for nodes started on this machine.
 *
 * <p>From {@value #LOW}-{@value #HIGH}, below Linux's ephemeral range (32768 and up): a port from
 * that range (what binding port 0 gives) can be taken, before the node binds it, as the source port
 * of any outgoing connection, even one to that same port (a TCP self-connect: a member retrying to
 * join a peer that is not listening yet). Seen failing a test run as "Port ... is already in use".
 *
 * <p>A picked port is free until a node binds it, which may be seconds later; a process picking at
 * the same time could get it too. Processes that run side by side (the test JVMs Maven forks) each
 * take their own slice of the range: the system property {@value #SLICE_PROPERTY} = {@code N/M}
 * (slice N of M, from 1) keeps this process to the N-th of M equal parts. Within one process a port
 * is never handed out twice.
 */
public final class FreePorts {
  /** The lowest port picked. */
  public static final int LOW = 20000;

  /** One above the highest port picked. */
  public static final int HIGH = 32000;

  /** The system property that keeps this process to a slice of the range: {@code N/M}. */
  public static final String SLICE_PROPERTY = "grid.ports.slice";

  private static final Random RANDOM = new Random();
  private static final Set<Integer> HANDED_OUT = new HashSet<>();

  private FreePorts() {}

  /** One port that was free when picked. */
  public static int one() {
    return pick(1).get(0);
  }

  /**
   * {@code count} distinct ports that were free when picked and were not picked before in this
   * process. All are held open until every one is picked; another process (outside this one's
   * slice) may still take one before the node binds it.
   */
  public static synchronized List<Integer> pick(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("port count " + count + " must be at least 1");
    }
    int[] range = range(System.getProperty(SLICE_PROPERTY));
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int tries = 0; ports.size() < count; tries++) {
        int port = range[0] + RANDOM.nextInt(range[1] - range[0]);
        if (tries > 1000) {
          throw new IOException(
              "no free port left in " + range[0] + "-" + (range[1] - 1) + " after 1000 tries");
        }
        if (HANDED_OUT.contains(port)) {
          continue;
        }
        try {
          held.add(new ServerSocket(port, 1, InetAddress.getLoopbackAddress()));
          ports.add(port);
        } catch (IOException taken) {
          // in use: try another
        }
      }
      HANDED_OUT.addAll(ports);
      return List.copyOf(ports);
    } catch (IOException e) {
      throw new UncheckedIOException("could not find " + count + " free loopback ports", e);
    } finally {
      for (ServerSocket socket : held) {
        try {
          socket.close();
        } catch (IOException e) {
          // closing a listening socket that never accepted does not fail in practice
        }
      }
    }
  }

  /**
   * The ports {@code [low, high)} that a process with the given slice ({@code N/M}, or null for
   * all) picks from.
   */
  static int[] range(String slice) {
    if (slice == null || slice.isBlank()) {
      return new int[] {LOW, HIGH};
    }
    String[] parts = slice.trim().split("/");
    int index;
    int of;
    try {
      if (parts.length != 2) {
        throw new NumberFormatException();
      }
      index = Integer.parseInt(parts[0]);
      of = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          SLICE_PROPERTY + "=" + slice + " is not N/M (slice N of M, e.g. 1/2)");
    }
    if (of < 1 || of > 100 || index < 1 || index > of) {
      throw new IllegalArgumentException(
          SLICE_PROPERTY + "=" + slice + " needs 1 <= N <= M <= 100 (slice N of M, e.g. 1/2)");
    }
    int width = (HIGH - LOW) / of;
    int low = LOW + (index - 1) * width;
    return new int[] {low, low + width};
  }
}
