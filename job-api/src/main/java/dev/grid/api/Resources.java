package dev.grid.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Locale;

/**
 * What a job reserves on the node that runs it, beside its slot: CPUs and memory ({@code --cpus 2
 * --mem 4G}). A node runs jobs only while the sums of what they reserve fit in what it offers
 * ({@code bin/grid-node --cpus 8 --mem 16G}, by default the machine's). Where the node can use
 * cgroups (as root), a job is held to it: more memory ends it FAILED "out of memory", more CPU is
 * throttled; elsewhere it is only counted.
 *
 * <pre>{@code
 * JobSpec big = JobSpec.shell("make -j4").withResources(new Resources(4, Resources.parseMemory("8G")));
 * }</pre>
 *
 * @param cpus CPUs it reserves, 0 for none (it then only takes a slot), at most {@value #MAX_CPUS}
 * @param memoryBytes memory it reserves in bytes, 0 for none; at least {@value #MIN_MEMORY_BYTES}
 *     (1 MiB) if given
 */
public record Resources(
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) int cpus,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) long memoryBytes) {

  /** Nothing reserved: the job takes a slot, no CPU or memory of its own. */
  public static final Resources NONE = new Resources(0, 0);

  public static final int MAX_CPUS = 4096;
  public static final long MIN_MEMORY_BYTES = 1L << 20;

  /** The most memory a job may ask: 1 PiB. */
  public static final long MAX_MEMORY_BYTES = 1L << 50;

  /** Validates eagerly; a bad value is named in the message. */
  public Resources {
    if (cpus < 0 || cpus > MAX_CPUS) {
      throw new IllegalArgumentException(
          "cpus " + cpus + " is out of range: give 0 (none) to " + MAX_CPUS);
    }
    if (memoryBytes != 0 && (memoryBytes < MIN_MEMORY_BYTES || memoryBytes > MAX_MEMORY_BYTES)) {
      throw new IllegalArgumentException(
          "memory "
              + memoryBytes
              + " bytes is out of range: give 0 (none), or 1M to 1P, like 512M or 4G");
    }
  }

  /** Whether it reserves nothing. */
  public boolean none() {
    return cpus == 0 && memoryBytes == 0;
  }

  /** Whether these fit in what is left: {@code cpusLeft} CPUs and {@code memoryLeft} bytes. */
  public boolean fitsIn(int cpusLeft, long memoryLeft) {
    return cpus <= cpusLeft && memoryBytes <= memoryLeft;
  }

  /**
   * Reads a memory size: a whole number of bytes, or with a suffix K, M, G, T or P (powers of 1024,
   * as Slurm and cgroups read them; a trailing B or iB is allowed), like {@code 512M} or {@code
   * 4G}.
   *
   * @throws IllegalArgumentException naming the text and what to give
   */
  public static long parseMemory(String text) {
    String t = text == null ? "" : text.strip().toUpperCase(Locale.ROOT);
    if (t.endsWith("IB")) {
      t = t.substring(0, t.length() - 2);
    } else if (t.endsWith("B")) {
      t = t.substring(0, t.length() - 1);
    }
    int shift = 0;
    if (!t.isEmpty()) {
      switch (t.charAt(t.length() - 1)) {
        case 'K' -> shift = 10;
        case 'M' -> shift = 20;
        case 'G' -> shift = 30;
        case 'T' -> shift = 40;
        case 'P' -> shift = 50;
        default -> shift = 0;
      }
    }
    String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
    if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException(
          "memory '" + text + "' is not a size: give a number with K, M, G or T, like 512M or 4G");
    }
    long n = Long.parseLong(digits);
    if (n > (MAX_MEMORY_BYTES >> shift)) {
      throw new IllegalArgumentException("memory '" + text + "' is too large: give at most 1P");
    }
    return n << shift;
  }

  /** A size for people: {@code 4G}, {@code 512M}, {@code 1536K}, or bytes. */
  public static String formatMemory(long bytes) {
    String[] units = {"", "K", "M", "G", "T", "P"};
    int u = 0;
    long n = bytes;
    while (u < units.length - 1 && n != 0 && n % 1024 == 0) {
      n /= 1024;
      u++;
    }
    return n + units[u];
  }

  /**
   * A size for people, to one decimal in the largest unit it reaches: {@code 23.5G}, {@code 512M}.
   */
  public static String roughMemory(long bytes) {
    String[] units = {"", "K", "M", "G", "T", "P"};
    int u = 0;
    double n = bytes;
    while (u < units.length - 1 && n >= 1024) {
      n /= 1024;
      u++;
    }
    String number =
        n == Math.rint(n) ? Long.toString((long) n) : String.format(Locale.ROOT, "%.1f", n);
    return number + units[u];
  }

  @Override
  public String toString() {
    return "cpus=" + cpus + " mem=" + formatMemory(memoryBytes);
  }
}
