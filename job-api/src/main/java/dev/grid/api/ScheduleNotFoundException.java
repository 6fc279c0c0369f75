package dev.grid.api;

/**
 * No schedule has the given name (HTTP 404 on a schedule route).
 *
 * <pre>{@code
 * try {
 *   grid.schedules().pause("nightly-backup");
 * } catch (ScheduleNotFoundException e) {
 *   log.warn("nothing to pause: {}", e.name());
 * }
 * }</pre>
 */
public class ScheduleNotFoundException extends GridException {
  private static final long serialVersionUID = 1L;
  private final String name;

  public ScheduleNotFoundException(String name) {
    super("no schedule named '" + name + "': check the name with bin/schedule list");
    this.name = name;
  }

  /** The name that was asked for. */
  public String name() {
    return name;
  }
}
