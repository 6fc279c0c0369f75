package dev.grid.scheduler.lease;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the simulation saw, in simulated real time: every tenure (a node primary without a break,
 * under one epoch), the configurations nodes were at, and the checks that make the lease a lease.
 */
final class LeaseHistory {
  /** One node primary from {@code start} (inclusive) to {@code end} (exclusive), real nanos. */
  static final class Tenure {
    final int owner;
    final long epoch;
    final long start;
    long end;

    Tenure(int owner, long epoch, long start) {
      this.owner = owner;
      this.epoch = epoch;
      this.start = start;
      this.end = Long.MAX_VALUE;
    }

    @Override
    public String toString() {
      return "node "
          + owner
          + " epoch "
          + Ballot.format(epoch)
          + " ["
          + millis(start)
          + ", "
          + millis(end)
          + ") ms";
    }
  }

  /**
   * How much of changing the voters a run went through, so that the test sees it keep doing so.
   *
   * @param changes versions reached beyond 0
   * @param selfRemovals primaries that removed themselves and gave the lease up
   * @param finishedByOthers versions first reached by a node other than the ones asked for them
   */
  record Coverage(long changes, long selfRemovals, long finishedByOthers) {
    Coverage plus(Coverage other) {
      return new Coverage(
          changes + other.changes,
          selfRemovals + other.selfRemovals,
          finishedByOthers + other.finishedByOthers);
    }
  }

  private final List<Tenure> tenures = new ArrayList<>();
  private final Map<Long, List<Integer>> votersOfVersion = new HashMap<>();
  private final Map<Long, Set<Integer>> askedForVersion = new HashMap<>();
  private long highestVersion;
  private long selfRemovals;
  private long finishedByOthers;
  private final Tenure[] open;
  private final List<String> violations = new ArrayList<>();
  private long highestEpochBegun;

  LeaseHistory(int nodes) {
    this.open = new Tenure[nodes];
  }

  void begin(int owner, long epoch, long now) {
    end(owner, now);
    Tenure tenure = new Tenure(owner, epoch, now);
    open[owner] = tenure;
    tenures.add(tenure);
    highestEpochBegun = Math.max(highestEpochBegun, epoch);
  }

  /** The open tenure of {@code owner} runs until {@code end} at most (its timer's end). */
  void runsUntil(int owner, long end) {
    if (open[owner] != null) {
      open[owner].end = end;
    }
  }

  /** The open tenure of {@code owner} is over by {@code now} (lost, released or crashed). */
  void end(int owner, long now) {
    Tenure tenure = open[owner];
    if (tenure != null) {
      tenure.end = Math.min(tenure.end, now);
      open[owner] = null;
    }
  }

  void sawEpoch(int node, long epoch, long now) {
    if (epoch > highestEpochBegun) {
      violations.add(
          "node "
              + node
              + " saw epoch "
              + Ballot.format(epoch)
              + " at "
              + millis(now)
              + " ms, before any lease had it");
    }
  }

  /** Node {@code node}, primary, was asked to change the voters to version {@code version}. */
  void asked(int node, long version) {
    askedForVersion.computeIfAbsent(version, v -> new HashSet<>()).add(node);
  }

  /** Node {@code node} stopped being primary, outside its own configuration. */
  void removedItself(int node) {
    selfRemovals++;
  }

  /** Only chosen configurations are ever reached: one set of voters per version. */
  void sawConfiguration(int node, Configuration configuration, long now) {
    highestVersion = Math.max(highestVersion, configuration.version());
    List<Integer> known =
        votersOfVersion.putIfAbsent(configuration.version(), configuration.voters());
    if (known == null
        && configuration.version() > 0
        && !askedForVersion.getOrDefault(configuration.version(), Set.of()).contains(node)) {
      finishedByOthers++; // the first node at a version is the one that saw it done
    }
    if (known != null && !known.equals(configuration.voters())) {
      violations.add(
          "node "
              + node
              + " is at "
              + configuration
              + " but another node was at voters "
              + known
              + " under that version, at "
              + millis(now)
              + " ms");
    }
  }

  Coverage coverage() {
    return new Coverage(highestVersion, selfRemovals, finishedByOthers);
  }

  List<Tenure> tenures() {
    return tenures;
  }

  /** Overlaps of different owners and epochs that do not grow, plus anything seen on the way. */
  List<String> violations() {
    List<String> found = new ArrayList<>(violations);
    List<Tenure> byStart = new ArrayList<>(tenures);
    byStart.sort(Comparator.comparingLong((Tenure t) -> t.start).thenComparingLong(t -> t.epoch));
    for (int i = 0; i < byStart.size(); i++) {
      Tenure a = byStart.get(i);
      if (i > 0 && byStart.get(i - 1).epoch >= a.epoch) {
        found.add("epoch did not grow: " + byStart.get(i - 1) + " then " + a);
      }
      for (int j = i + 1; j < byStart.size() && byStart.get(j).start < a.end; j++) {
        Tenure b = byStart.get(j);
        if (b.owner != a.owner && b.start < b.end && a.start < a.end) {
          found.add("leases overlap: " + a + " and " + b);
        }
      }
    }
    return found;
  }

  /** Whether some node was primary at some time in {@code [from, to)}. */
  boolean anyPrimaryBetween(long from, long to) {
    return tenures.stream().anyMatch(t -> t.start < to && t.end > from && t.start < t.end);
  }

  /** How many times the primary changed hands. */
  int handovers() {
    int count = 0;
    for (int i = 1; i < tenures.size(); i++) {
      count += tenures.get(i).owner != tenures.get(i - 1).owner ? 1 : 0;
    }
    return count;
  }

  static String millis(long nanos) {
    return nanos == Long.MAX_VALUE ? "inf" : String.format("%.3f", nanos / 1e6);
  }
}
