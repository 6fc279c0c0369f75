package dev.grid.examples;

/**
 * What one {@link PiSample} task found: of its {@code samples} random points in the unit square,
 * how many fell inside the quarter circle.
 *
 * @param inside points with {@code x*x + y*y <= 1}
 * @param samples points drawn
 */
public record Hits(long inside, long samples) {}
