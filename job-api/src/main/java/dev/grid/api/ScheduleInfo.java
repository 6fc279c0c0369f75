package dev.grid.api;

/**
 * A schedule as clients see it ({@code bin/schedule list --json}).
 *
 * @param spec the schedule as added
 * @param paused whether fires are suspended
 * @param createdAtMillis when it was added
 * @param lastFireMillis the due time of the latest fire handled (run, missed or skipped), or null
 * @param nextFireMillis the due time of the next fire, or null if paused or never again
 */
public record ScheduleInfo(
    ScheduleSpec spec,
    boolean paused,
    long createdAtMillis,
    Long lastFireMillis,
    Long nextFireMillis) {}
