package dev.grid.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/** A plain text table with aligned columns; the last column is not padded. */
final class Table {
  private static final Pattern BREAKS = Pattern.compile("[\\r\\n\\t]+");

  private final List<String[]> rows = new ArrayList<>();
  private final int columns;

  Table(String... headers) {
    this.columns = headers.length;
    rows.add(headers);
  }

  Table row(Object... cells) {
    if (cells.length != columns) {
      throw new IllegalArgumentException(
          "row has "
              + cells.length
              + " cells, the table "
              + columns
              + ": "
              + Arrays.toString(cells));
    }
    String[] text = new String[columns];
    for (int i = 0; i < columns; i++) {
      text[i] = cells[i] == null ? "-" : oneLine(cells[i].toString());
    }
    rows.add(text);
    return this;
  }

  /**
   * The cell's text on one line: line breaks and tabs become a space. Most cells hold none, and a
   * bin/jobs has seven cells a job: String.replaceAll compiled the pattern anew for each.
   */
  private static String oneLine(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\r' || c == '\n' || c == '\t') {
        return BREAKS.matcher(text).replaceAll(" ");
      }
    }
    return text;
  }

  void print(PrintStream out) {
    int[] widths = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < columns; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    // one print for the whole table: a println a row flushed each row to the terminal on its own
    StringBuilder text = new StringBuilder();
    StringBuilder line = new StringBuilder();
    for (String[] row : rows) {
      line.setLength(0);
      for (int i = 0; i < columns; i++) {
        line.append(row[i]);
        if (i < columns - 1) {
          line.append(" ".repeat(widths[i] - row[i].length() + 2));
        }
      }
      text.append(line.toString().stripTrailing()).append(System.lineSeparator());
    }
    out.print(text);
  }
}
