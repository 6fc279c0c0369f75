package dev.grid.node.http;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A scrape in Prometheus' text format (0.0.4), parsed strictly: every sample line must be {@code
 * name{label="value",...} number}, every sample must belong to a family its {@code # TYPE} line
 * declared, or parsing fails naming the line. What the tests read the numbers from.
 */
public final class PrometheusText {
  /** One sample: a metric name, its labels, its value. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  private final List<Sample> samples;
  private final Map<String, String> types;

  private PrometheusText(List<Sample> samples, Map<String, String> types) {
    this.samples = samples;
    this.types = types;
  }

  /**
   * Parses a scrape.
   *
   * @throws IllegalArgumentException naming the first line that is not the text format
   */
  public static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new HashMap<>();
    int n = 0;
    for (String line : text.split("\n", -1)) {
      n++;
      if (line.isBlank()) {
        continue;
      }
      try {
        if (line.startsWith("# TYPE ")) {
          String[] p = line.substring(7).split(" ");
          if (p.length != 2) {
            throw new IllegalArgumentException("a TYPE line needs a name and a type");
          }
          types.put(p[0], p[1]);
        } else if (!line.startsWith("#")) {
          Sample s = sample(line);
          if (family(s.name(), types) == null) {
            throw new IllegalArgumentException("no # TYPE line declared " + s.name());
          }
          samples.add(s);
        }
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "line " + n + " is not Prometheus text: '" + line + "': " + e.getMessage(), e);
      }
    }
    return new PrometheusText(samples, types);
  }

  private static String family(String name, Map<String, String> types) {
    if (types.containsKey(name)) {
      return name;
    }
    for (String suffix : List.of("_total", "_bucket", "_count", "_sum", "_max", "_created")) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        if (types.containsKey(base)) {
          return base;
        }
      }
    }
    return null;
  }

  private static Sample sample(String line) {
    int i = 0;
    while (i < line.length()
        && (Character.isLetterOrDigit(line.charAt(i)) || "_:".indexOf(line.charAt(i)) >= 0)) {
      i++;
    }
    if (i == 0) {
      throw new IllegalArgumentException("no metric name");
    }
    String name = line.substring(0, i);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        String key = line.substring(i, eq);
        if (!key.matches("[a-zA-Z_][a-zA-Z0-9_]*") || line.charAt(eq + 1) != '"') {
          throw new IllegalArgumentException("bad label at " + i);
        }
        StringBuilder value = new StringBuilder();
        int j = eq + 2;
        for (; line.charAt(j) != '"'; j++) {
          char c = line.charAt(j);
          if (c == '\\') {
            char e = line.charAt(++j);
            value.append(e == 'n' ? '\n' : e);
          } else {
            value.append(c);
          }
        }
        labels.put(key, value.toString());
        i = j + 1;
        if (line.charAt(i) == ',') {
          i++;
        }
      }
      i++;
    }
    if (line.charAt(i) != ' ') {
      throw new IllegalArgumentException("no space before the value");
    }
    String[] rest = line.substring(i + 1).split(" ");
    if (rest.length > 2) {
      throw new IllegalArgumentException("more than a value and a timestamp");
    }
    return new Sample(name, labels, number(rest[0]));
  }

  private static double number(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(text);
    };
  }

  /** Every sample. */
  public List<Sample> samples() {
    return samples;
  }

  /**
   * The declared type ({@code counter}, {@code gauge}, {@code histogram}...) of the family a sample
   * name belongs to ({@code x_total} or {@code x_count} to {@code x}, or as declared), if any.
   */
  public Optional<String> type(String sampleName) {
    return Optional.ofNullable(family(sampleName, types)).map(types::get);
  }

  /** Whether some sample has this name. */
  public boolean has(String name) {
    return samples.stream().anyMatch(s -> s.name().equals(name));
  }

  /**
   * The value of the one sample with this name whose labels include the given pairs ({@code
   * "state", "SUCCEEDED", ...}); 0 if there is none (a counter not yet made).
   *
   * @throws IllegalStateException if several match
   */
  public double value(String name, String... labelPairs) {
    List<Sample> found =
        samples.stream().filter(s -> s.name().equals(name) && matches(s, labelPairs)).toList();
    if (found.size() > 1) {
      throw new IllegalStateException(found.size() + " samples match " + name + ": " + found);
    }
    return found.isEmpty() ? 0 : found.get(0).value();
  }

  private static boolean matches(Sample s, String[] pairs) {
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      if (!pairs[i + 1].equals(s.labels().get(pairs[i]))) {
        return false;
      }
    }
    return true;
  }
}
