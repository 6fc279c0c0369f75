package dev.grid.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Picks loopback ports that are free right now, for nodes started on this machine.
 *
 * <p>From {@value #LOW}-{@value #HIGH}, below Linux's ephemeral range (32768 and up): a port from
 * that range (what binding port 0 gives) can be taken, before the node binds it, as the source port
 * of any outgoing connection, even one to that same port (a TCP self-connect: a member retrying to
 * join a peer that is not listening yet). Seen failing a test run as "Port ... is already in use".
 */
public final class FreePorts {
  /** The lowest port picked. */
  public static final int LOW = 20000;

  /** One above the highest port picked. */
  public static final int HIGH = 32000;

  private static final Random RANDOM = new Random();

  private FreePorts() {}

  /** One port that was free when picked. */
  public static int one() {
    return pick(1).get(0);
  }

  /**
   * {@code count} distinct ports that were free when picked. All are held open until every one is
   * picked, so they differ; another process may still take one before the node binds it.
   */
  public static List<Integer> pick(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("port count " + count + " must be at least 1");
    }
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int tries = 0; ports.size() < count; tries++) {
        int port = LOW + RANDOM.nextInt(HIGH - LOW);
        try {
          held.add(new ServerSocket(port, 1, InetAddress.getLoopbackAddress()));
          ports.add(port);
        } catch (IOException taken) {
          if (tries > 1000) {
            throw taken;
          }
        }
      }
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
}
