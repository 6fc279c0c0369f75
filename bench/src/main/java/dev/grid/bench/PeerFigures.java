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

  /** Every system, in the order of the run and of the table's columns. */
  static final List<String> SYSTEMS = List.of(GRID, DB_SCHEDULER, "Quartz", "JobRunr");

  private PeerFigures() {}

  /** The grid must run this many times db-scheduler's jobs per second, per workload. */
  static double target(Workload workload) {
    return workload == Workload.NO_OP ? 2.0 : 1.5;
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
   * ratio to db-scheduler with the target and PASS or MISS, then its ratio to Quartz and JobRunr.
   */
  static List<String> table(Map<Workload, Map<String, Double>> rates) {
    List<String> lines = new ArrayList<>();
    StringBuilder head = new StringBuilder("| workload |");
    for (String s : SYSTEMS) {
      head.append(' ').append(s).append(" |");
    }
    head.append(" grid/db-scheduler | target | verdict | grid/Quartz | grid/JobRunr |");
    lines.add(head.toString());
    lines.add("|---".repeat(SYSTEMS.size() + 6) + "|");
    for (Map.Entry<Workload, Map<String, Double>> row : rates.entrySet()) {
      Workload workload = row.getKey();
      Map<String, Double> r = row.getValue();
      StringBuilder line = new StringBuilder("| ").append(workload.label()).append(" |");
      for (String s : SYSTEMS) {
        line.append(' ').append(r.containsKey(s) ? rate(r.get(s)) : "-").append(" |");
      }
      Double vsDb = ratio(r, DB_SCHEDULER);
      double target = target(workload);
      line.append(' ')
          .append(vsDb == null ? "-" : String.format(Locale.ROOT, "%.2f", vsDb))
          .append(String.format(Locale.ROOT, " | >= %.1f | ", target))
          .append(vsDb == null ? "-" : Figures.verdict(vsDb >= target))
          .append(" | ");
      for (String peer : List.of("Quartz", "JobRunr")) {
        Double v = ratio(r, peer);
        line.append(v == null ? "-" : String.format(Locale.ROOT, "%.2f", v)).append(" |");
        line.append(peer.equals("Quartz") ? " " : "");
      }
      lines.add(line.toString());
    }
    return lines;
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
