package dev.grid.bench.peers;

import java.util.List;

/** The peers the bench knows, by name. */
public final class Peers {
  /** In the order the bench runs and prints them. */
  public static final List<Peer> ALL =
      List.of(new DbSchedulerPeer(), new QuartzPeer(), new JobRunrPeer());

  private Peers() {}

  /** The peer of that name; an unknown name is named in the error, with the known ones. */
  public static Peer byName(String name) {
    for (Peer peer : ALL) {
      if (peer.name().equals(name)) {
        return peer;
      }
    }
    throw new IllegalArgumentException(
        "no peer is called '" + name + "': use one of " + ALL.stream().map(Peer::name).toList());
  }
}
