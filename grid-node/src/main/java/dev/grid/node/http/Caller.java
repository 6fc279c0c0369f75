package dev.grid.node.http;

/**
 * Who sent a request: the name of the token it carried and that token's role.
 *
 * @param name the token's name in the tokens file ({@code admin} for a grid with one token)
 * @param role what the token may do
 */
record Caller(String name, Role role) {}
