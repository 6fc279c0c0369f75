package dev.grid.bench;

import dev.grid.bench.peers.Workload;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The arithmetic and wording of {@code bin/bench peers}: pure functions, unit-tested. */
final class PeerFigures {
  static final String GRID = "grid";
  static final String DB_SCHEDULER = "db-scheduler";

  /** One replicated Hazelcast write per submit, nothing else: see {@link FloorContender}. */
  static final String FLOOR = "hz-set";

  /** Every system, in the order of the run and of the table's columns. */
  static final List<String> SYSTEMS = List.of(GRID, DB_SCHEDULER, "Quartz", "JobRunr", FLOOR);

  private PeerFigures() {}

  /** The grid must run this many times db-scheduler's jobs per second, per workload. */
  static double target(Workload workload) {
    return workload == Workload.NO_OP ? 2.0 : 1.5;
  }

  /** Whether the system keeps its jobs in PostgreSQL (the peers do; the grid and the floor not). */
  static boolean needsPostgres(String system) {
    return !system.equals(GRID) && !system.equals(FLOOR);
  }

  /** Jobs per second for {@code jobs} that all ran {@code millis} after the first submit. */
  static double perSecond(long jobs, long millis) {
    return jobs * 1000.0 / Math.max(1, millis);
  }

  /**
   * The systems {@code --only} names, comma-separated, in any case, in the run's order; blank or
   * null means all. An unknown name is named in the error with the known ones.
   */
  static List<String> parseOnly(String only) {
    if (only == null || only.isBlank()) {
      return SYSTEMS;
    }
    Set<String> chosen = new LinkedHashSet<>();
    for (String name : only.split(",")) {
      String match =
          SYSTEMS.stream()
              .filter(s -> s.equalsIgnoreCase(name.strip()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "--only: '" + name.strip() + "' is not one of " + SYSTEMS));
      chosen.add(match);
    }
    return SYSTEMS.stream().filter(chosen::contains).toList();
  }

  /**
   * The table: one row per workload with each system's jobs/s ("-" if it did not run), the grid's
   * ratio to db-scheduler with the target and PASS or MISS, then its ratio to Quartz, JobRunr and
   * the floor (the floor's writes run nothing: the same rate for both workloads).
   */
  static List<String> table(Map<Workload, Map<String, Double>> rates) {
    List<String> lines = new ArrayList<>();
    List<String> head = new ArrayList<>(List.of("workload"));
    head.addAll(SYSTEMS);
    head.addAll(
        List.of(
            "grid/db-scheduler",
            "target",
            "verdict",
            "grid/Quartz",
            "grid/JobRunr",
            "grid/hz-set"));
    lines.add(row(head));
    lines.add("|---".repeat(head.size()) + "|");
    for (Map.Entry<Workload, Map<String, Double>> entry : rates.entrySet()) {
      Workload workload = entry.getKey();
      Map<String, Double> r = entry.getValue();
      List<String> cells = new ArrayList<>(List.of(workload.label()));
      for (String s : SYSTEMS) {
        cells.add(r.containsKey(s) ? rate(r.get(s)) : "-");
      }
      Double vsDb = ratio(r, DB_SCHEDULER);
      double target = target(workload);
      cells.add(times(vsDb));
      cells.add(String.format(Locale.ROOT, ">= %.1f", target));
      cells.add(vsDb == null ? "-" : Figures.verdict(vsDb >= target));
      cells.add(times(ratio(r, "Quartz")));
      cells.add(times(ratio(r, "JobRunr")));
      cells.add(times(ratio(r, FLOOR)));
      lines.add(row(cells));
    }
    return lines;
  }

  private static String row(List<String> cells) {
    return "| " + String.join(" | ", cells) + " |";
  }

  private static String times(Double ratio) {
    return ratio == null ? "-" : String.format(Locale.ROOT, "%.2f", ratio);
  }

  private static Double ratio(Map<String, Double> rates, String peer) {
    Double grid = rates.get(GRID);
    Double other = rates.get(peer);
    return grid == null || other == null || other <= 0 ? null : grid / other;
  }

  /** A rate as the table prints it: "57/s". */
  static String rate(double perSecond) {
    return String.format(Locale.ROOT, "%,.0f/s", perSecond);
  }
}
