package dev.grid.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grid.bench.peers.Workload;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PeerFiguresTest {
  @Test
  void when_only_is_absent_then_every_system_runs_in_order() {
    assertThat(PeerFigures.parseOnly(null))
        .containsExactly("grid", "db-scheduler", "Quartz", "JobRunr", "hz-set");
    assertThat(PeerFigures.parseOnly(" ")).isEqualTo(PeerFigures.SYSTEMS);
  }

  @Test
  void when_only_names_systems_in_any_case_and_order_then_they_run_in_the_tables_order() {
    assertThat(PeerFigures.parseOnly("jobrunr, GRID,quartz,grid"))
        .containsExactly("grid", "Quartz", "JobRunr");
  }

  @Test
  void when_only_names_an_unknown_system_then_it_is_named_in_the_error() {
    assertThatThrownBy(() -> PeerFigures.parseOnly("grid,slurm"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'slurm'")
        .hasMessageContaining("db-scheduler");
  }

  @Test
  void when_jobs_ran_in_a_time_then_the_rate_is_per_second() {
    assertThat(PeerFigures.perSecond(2000, 4000)).isEqualTo(500.0);
    assertThat(PeerFigures.perSecond(10, 0)).isEqualTo(10_000.0); // never a division by zero
  }

  @Test
  void when_the_grid_reaches_each_target_then_the_rows_pass() {
    Map<Workload, Map<String, Double>> rates = new EnumMap<>(Workload.class);
    rates.put(
        Workload.NO_OP,
        rates(
            "grid",
            1284.0,
            "db-scheduler",
            642.0,
            "Quartz",
            112.0,
            "JobRunr",
            232.0,
            "hz-set",
            1605.0));
    rates.put(
        Workload.SHELL,
        rates(
            "grid",
            191.0,
            "db-scheduler",
            128.0,
            "Quartz",
            84.0,
            "JobRunr",
            107.0,
            "hz-set",
            1605.0));

    List<String> table = PeerFigures.table(rates);

    assertThat(table.get(0))
        .isEqualTo(
            "| workload | grid | db-scheduler | Quartz | JobRunr | hz-set | grid/db-scheduler |"
                + " target | verdict | grid/Quartz | grid/JobRunr | grid/hz-set |");
    assertThat(table.get(2))
        .isEqualTo(
            "| no-op jobs | 1,284/s | 642/s | 112/s | 232/s | 1,605/s | 2.00 | >= 2.0 | PASS | 11.46 |"
                + " 5.53 | 0.80 |");
    assertThat(table.get(3))
        .isEqualTo(
            "| `true` shell jobs | 191/s | 128/s | 84/s | 107/s | 1,605/s | 1.49 | >= 1.5 | MISS |"
                + " 2.27 | 1.79 | 0.12 |");
  }

  @Test
  void when_a_system_did_not_run_then_its_cells_and_ratios_are_dashes() {
    Map<Workload, Map<String, Double>> rates = new EnumMap<>(Workload.class);
    rates.put(Workload.NO_OP, rates("grid", 57.0, "Quartz", 112.0));

    assertThat(PeerFigures.table(rates).get(2))
        .isEqualTo("| no-op jobs | 57/s | - | 112/s | - | - | - | >= 2.0 | - | 0.51 | - | - |");
  }

  private static Map<String, Double> rates(Object... nameThenRate) {
    Map<String, Double> rates = new LinkedHashMap<>();
    for (int i = 0; i < nameThenRate.length; i += 2) {
      rates.put((String) nameThenRate[i], (Double) nameThenRate[i + 1]);
    }
    return rates;
  }
}
