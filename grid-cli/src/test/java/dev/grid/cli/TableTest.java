package dev.grid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TableTest {
  private static String print(Table table) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    table.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void when_cells_differ_in_width_then_columns_align_and_the_last_is_not_padded() {
    Table table =
        new Table("ID", "STATE", "COMMAND").row("j1", "RUNNING", "true").row("j22", null, 7);

    assertThat(print(table))
        .isEqualTo("ID   STATE    COMMAND\n" + "j1   RUNNING  true\n" + "j22  -        7\n");
  }

  @Test
  void when_a_cell_holds_line_breaks_or_tabs_then_each_run_of_them_becomes_one_space() {
    Table table = new Table("A", "B").row("x\r\n\ty", "p\tq\nr").row("plain", "");

    assertThat(print(table)).isEqualTo("A      B\n" + "x y    p q r\n" + "plain\n");
  }
}
