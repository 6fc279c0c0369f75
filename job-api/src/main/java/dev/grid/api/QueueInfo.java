package dev.grid.api;

/**
 * A named queue as {@code bin/queue list} shows it.
 *
 * @param name the queue ({@code --queue NAME}; {@value Scheduling#DEFAULT_QUEUE} for jobs that name
 *     none)
 * @param maxSlots the most slots its jobs and tasks may hold at once; null for no limit
 * @param held the slots its work holds now, as the primary last counted them (a second or so
 *     behind)
 */
public record QueueInfo(String name, Integer maxSlots, int held) {
  /** Whether its work holds its limit: what else it has queued waits. */
  public boolean full() {
    return maxSlots != null && held >= maxSlots;
  }
}
