package dev.grid.api;

/**
 * A node's drain mark, as {@link GridClient#drain} and {@link GridClient#undrain} answer.
 *
 * <p>{@code NodeDrain d = grid.drain("n2"); // d.state() is DRAINING while n2 still runs jobs }
 *
 * @param node the node's name ({@code --name})
 * @param state where the drained node is, or null once it is undrained; a drained node that is not
 *     live now is {@link DrainState#DRAINED} (it runs nothing)
 */
public record NodeDrain(String node, DrainState state) {}
