package dev.grid.scheduler.cron;

import dev.grid.api.internal.Durations;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import org.quartz.CronExpression;

/**
 * Turns what a user writes into a Quartz expression (seconds first) or an {@code @every} period,
 * and words the refusals. No evaluation happens here: Quartz judges what this class passes on.
 */
final class CronSyntax {
  /** The longest {@code @every} period. */
  static final Duration MAX_EVERY = Duration.ofDays(366);

  static final String HELP =
      "write Quartz syntax with seconds ('0/5 * * * * ?'), five-field Unix"
          + " cron ('*/5 * * * *': minute hour day-of-month month day-of-week), '@every 10s', or one"
          + " of @hourly, @daily, @midnight, @weekly, @monthly, @yearly";

  private static final Map<String, String> MACROS =
      Map.of(
          "@hourly", "0 0 * * * ?",
          "@daily", "0 0 0 * * ?",
          "@midnight", "0 0 0 * * ?",
          "@weekly", "0 0 0 ? * SUN",
          "@monthly", "0 0 0 1 * ?",
          "@yearly", "0 0 0 1 1 ?",
          "@annually", "0 0 0 1 1 ?");

  private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");
  private static final List<String> MONTHS =
      List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");

  /** One field's name, bounds and names (index of a name = its value minus {@code nameBase}). */
  private record Field(String name, int min, int max, List<String> names, int nameBase) {}

  private static final Field SECOND = new Field("second", 0, 59, List.of(), 0);
  private static final Field MINUTE = new Field("minute", 0, 59, List.of(), 0);
  private static final Field HOUR = new Field("hour", 0, 23, List.of(), 0);
  private static final Field DOM = new Field("day-of-month", 1, 31, List.of(), 0);
  private static final Field MONTH = new Field("month", 1, 12, MONTHS, 1);
  private static final Field UNIX_DOW = new Field("day-of-week", 0, 7, DAYS, 0);
  private static final Field QUARTZ_DOW = new Field("day-of-week", 1, 7, DAYS, 1);
  private static final Field YEAR = new Field("year", 1970, 2199, List.of(), 0);

  /** What an expression means: a Quartz expression, or a period. */
  record Parsed(String quartz, Duration every) {}

  private CronSyntax() {}

  static Parsed parse(String expression) {
    if (expression == null || expression.isBlank()) {
      throw new IllegalArgumentException("cron expression is empty: " + HELP);
    }
    String text = expression.trim().replaceAll("\\s+", " ");
    if (text.startsWith("@")) {
      return macro(expression, text);
    }
    String[] fields = text.split(" ");
    String quartz =
        switch (fields.length) {
          case 5 -> fromUnix(expression, fields);
          case 6, 7 -> fromQuartz(expression, fields);
          default -> throw invalid(expression, "it has " + fields.length + " fields");
        };
    try {
      CronExpression.validateExpression(quartz);
    } catch (ParseException e) {
      String hint =
          e.getMessage() != null && e.getMessage().contains("day-of-week AND")
              ? " (put '?' in one of day-of-month and day-of-week)"
              : "";
      throw invalid(expression, e.getMessage() + hint);
    }
    return new Parsed(quartz, null);
  }

  private static Parsed macro(String expression, String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.startsWith("@every ") || lower.equals("@every")) {
      return new Parsed(null, every(expression, lower.substring("@every".length()).trim()));
    }
    String quartz = MACROS.get(lower);
    if (quartz == null) {
      throw invalid(expression, "'" + text + "' is not a known macro");
    }
    return new Parsed(quartz, null);
  }

  private static Duration every(String expression, String spec) {
    if (spec.isEmpty()) {
      throw invalid(expression, "@every needs a period such as 10s, 5m or 1m30s");
    }
    Duration total;
    try {
      total = Durations.parse(spec);
    } catch (IllegalArgumentException e) {
      throw invalid(
          expression,
          "period '"
              + spec
              + "' is not understood: use numbers with units"
              + " ms, s, m, h, d, such as 10s, 5m or 1m30s");
    }
    if (total.compareTo(Duration.ofSeconds(1)) < 0) {
      throw invalid(expression, "period '" + spec + "' is shorter than the 1s minimum");
    }
    if (total.compareTo(MAX_EVERY) > 0) {
      throw invalid(
          expression,
          "period '"
              + spec
              + "' is longer than the "
              + MAX_EVERY.toDays()
              + "d maximum: for rarer runs give a cron expression");
    }
    return total;
  }

  private static String fromQuartz(String expression, String[] f) {
    Field[] kinds = {SECOND, MINUTE, HOUR, DOM, MONTH, QUARTZ_DOW, YEAR};
    for (int i = 0; i < f.length; i++) {
      check(expression, kinds[i], f[i]);
    }
    return String.join(" ", f);
  }

  /** {@code minute hour dom month dow} becomes {@code 0 minute hour dom month dow}. */
  private static String fromUnix(String expression, String[] f) {
    check(expression, MINUTE, f[0]);
    check(expression, HOUR, f[1]);
    check(expression, DOM, f[2]);
    check(expression, MONTH, f[3]);
    boolean anyDom = f[2].equals("*") || f[2].equals("?");
    boolean anyDow = f[4].equals("*") || f[4].equals("?");
    if (!anyDom && !anyDow) {
      throw invalid(
          expression,
          "it restricts both day-of-month ("
              + f[2]
              + ") and day-of-week ("
              + f[4]
              + "); Unix cron then runs on days matching either, which Quartz cannot express."
              + " Use two schedules, or Quartz syntax with '?' in one of the two fields");
    }
    String dom = anyDom && !anyDow ? "?" : f[2].replace("?", "*");
    String dow = anyDow ? "?" : unixDaysOfWeek(expression, f[4]);
    return "0 " + f[0] + " " + f[1] + " " + dom + " " + f[3] + " " + dow;
  }

  /** Unix day-of-week (0-7, 0 and 7 = Sunday) spelled as Quartz day names, e.g. MON,TUE. */
  private static String unixDaysOfWeek(String expression, String field) {
    check(expression, UNIX_DOW, field);
    boolean[] days = new boolean[7];
    for (String item : field.split(",", -1)) {
      String[] stepped = item.split("/", -1);
      int step = stepped.length > 1 ? Integer.parseInt(stepped[1]) : 1;
      String base = stepped[0];
      int from;
      int to;
      if (base.equals("*")) {
        from = 0;
        to = 6;
      } else if (base.contains("-")) {
        from = value(UNIX_DOW, base.substring(0, base.indexOf('-')));
        to = value(UNIX_DOW, base.substring(base.indexOf('-') + 1));
        if (to < from) {
          throw invalid(
              expression,
              "day-of-week range "
                  + base
                  + " runs backwards: write it"
                  + " upwards (5-7 is Friday to Sunday) or as a list (5,6,0)");
        }
      } else {
        from = value(UNIX_DOW, base);
        to = stepped.length > 1 ? 6 : from;
      }
      for (int d = from; d <= to; d += step) {
        days[d % 7] = true;
      }
    }
    StringJoiner out = new StringJoiner(",");
    for (int d = 0; d < 7; d++) {
      if (days[d]) {
        out.add(DAYS.get(d));
      }
    }
    if (out.length() == 0) {
      throw invalid(expression, "day-of-week '" + field + "' selects no day");
    }
    return out.toString();
  }

  /** Checks numbers, names and steps of a field; Quartz's own marks (L, W, #) are left to it. */
  private static void check(String expression, Field kind, String field) {
    for (String item : field.split(",", -1)) {
      String[] stepped = item.split("/", -1);
      if (stepped.length > 2 || item.isEmpty()) {
        throw invalid(expression, kind.name() + " '" + item + "' is not a value, range or step");
      }
      if (stepped.length == 2 && !stepped[1].matches("[1-9]\\d{0,5}")) {
        throw invalid(
            expression,
            kind.name() + " step '" + stepped[1] + "' must be a whole number of at least 1");
      }
      String base = stepped[0];
      if (base.equals("*") || base.equals("?")) {
        continue;
      }
      for (String part : base.split("-", -1)) {
        if (part.matches("\\d+")) {
          int v = Integer.parseInt(part.length() > 6 ? "9999999" : part);
          if (v < kind.min() || v > kind.max()) {
            throw invalid(
                expression,
                kind.name() + " " + part + " is out of range " + kind.min() + "-" + kind.max());
          }
        } else if ((kind == DOM || kind == QUARTZ_DOW) && part.matches(".*[LW#].*")) {
          continue; // Quartz's last, weekday and nth marks: Quartz judges them
        } else if (!kind.names().contains(part.toUpperCase(Locale.ROOT))) {
          throw invalid(
              expression,
              kind.name()
                  + " '"
                  + part
                  + "' is not "
                  + (kind.names().isEmpty() ? "a number" : "a number or one of " + kind.names()));
        }
      }
    }
  }

  private static int value(Field kind, String part) {
    return part.matches("\\d+")
        ? Integer.parseInt(part)
        : kind.names().indexOf(part.toUpperCase(Locale.ROOT)) + kind.nameBase();
  }

  private static IllegalArgumentException invalid(String expression, String why) {
    return new IllegalArgumentException(
        "cron expression '" + expression + "' is not valid: " + why + "; " + HELP);
  }
}
