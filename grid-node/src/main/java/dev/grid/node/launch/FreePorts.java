package dev.grid.node.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Picks loopback ports that are free right now, for nodes started on this machine. */
public final class FreePorts {
  private FreePorts() {}

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
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(socket);
        ports.add(socket.getLocalPort());
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
