package dev.grid.node.http;

import dev.grid.api.JobPage;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/**
 * The {@code limit} and {@code after} of a paged listing, and the {@code Link} header that tells a
 * client where the next page starts (as GitHub's API does): {@code </api/jobs?limit=100&after=X>;
 * rel="next"}, sent only when a next page exists. The body stays a plain JSON array.
 */
final class Paging {
  private Paging() {}

  /**
   * The page size a request asks for: {@code limit}, 1 to {@value JobPage#MAX_LIMIT}, by default
   * {@value JobPage#DEFAULT_LIMIT}; anything else is an {@link IllegalArgumentException} (400)
   * naming it.
   */
  static int limit(Exchange exchange) {
    String text = exchange.query("limit");
    if (text == null || text.isEmpty()) {
      return JobPage.DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= JobPage.MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new IllegalArgumentException(
        "limit '"
            + text
            + "' is not valid: give a whole number from 1 to "
            + JobPage.MAX_LIMIT
            + " (default "
            + JobPage.DEFAULT_LIMIT
            + "), and after= to get the next page");
  }

  /**
   * Answers a page: the first {@code limit} items, and if {@code items} holds more (the caller
   * asked for {@code limit + 1}), a {@code Link} to the page after the last one shown.
   *
   * @param cursor the cursor of an item: where the page after it starts
   * @param kept the query parameters the next page keeps, as {@code name, value} pairs (a null
   *     value is left out)
   */
  static <T> void answer(
      Exchange exchange,
      String path,
      List<T> items,
      int limit,
      Function<T, String> cursor,
      String... kept)
      throws IOException {
    if (items.size() <= limit) {
      exchange.json(200, items);
      return;
    }
    List<T> page = items.subList(0, limit);
    StringBuilder next = new StringBuilder(path).append('?');
    for (int i = 0; i + 1 < kept.length; i += 2) {
      if (kept[i + 1] != null) {
        next.append(kept[i]).append('=').append(encode(kept[i + 1])).append('&');
      }
    }
    next.append("limit=").append(limit);
    next.append("&after=").append(encode(cursor.apply(page.get(limit - 1))));
    exchange.header("Link", "<" + next + ">; rel=\"next\"");
    exchange.json(200, page);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
