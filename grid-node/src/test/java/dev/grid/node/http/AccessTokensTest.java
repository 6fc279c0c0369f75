package dev.grid.node.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class AccessTokensTest {
  private static final String OPS = "ops-0123456789abcdef";
  private static final String ALICE = "alice-0123456789abcdef";
  private static final String VIEW = "view-0123456789abcdef";

  @Test
  void when_the_file_holds_one_bare_token_then_it_is_the_admin_with_every_right() {
    AccessTokens tokens = AccessTokens.parse("# the grid's token\nshort-old-token\n\n", "f");

    assertThat(tokens.caller("Bearer short-old-token")).contains(new Caller("admin", Role.ADMIN));
    assertThat(tokens.caller("bearer   short-old-token  ")).isPresent();
    assertThat(tokens.caller("Bearer short-old-tokeN")).isEmpty();
    assertThat(tokens.caller("Basic short-old-token")).isEmpty();
    assertThat(tokens.caller(null)).isEmpty();
  }

  @Test
  void when_lines_name_tokens_then_each_has_its_name_and_role() throws Exception {
    String hashed =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256").digest(VIEW.getBytes(StandardCharsets.UTF_8)));
    AccessTokens tokens =
        AccessTokens.parse(
            "# NAME ROLE TOKEN\nops admin "
                + OPS
                + "\nalice\tSUBMIT\t"
                + ALICE
                + "\ngrafana read sha256:"
                + hashed.toUpperCase()
                + "\n",
            "tokens");

    assertThat(tokens.size()).isEqualTo(3);
    assertThat(tokens.caller("Bearer " + OPS)).contains(new Caller("ops", Role.ADMIN));
    assertThat(tokens.caller("Bearer " + ALICE)).contains(new Caller("alice", Role.SUBMIT));
    assertThat(tokens.caller("Bearer " + VIEW)).contains(new Caller("grafana", Role.READ));
    assertThat(tokens.caller("Bearer sha256:" + hashed)).isEmpty(); // the hash is no token
    assertThat(tokens.caller("Bearer " + ALICE + "x")).isEmpty();
  }

  @Test
  void when_a_line_is_bad_then_the_error_names_the_file_and_line_but_never_the_token() {
    assertThatThrownBy(() -> AccessTokens.parse("ops admin " + OPS + "\nalice submit\n", "/t"))
        .hasMessageContaining("/t line 2 has 2 fields")
        .hasMessageContaining("NAME ROLE TOKEN");
    assertThatThrownBy(() -> AccessTokens.parse("ops root " + OPS, "/t"))
        .hasMessageContaining("/t line 1: role 'root' is not one of read, submit, admin");
    assertThatThrownBy(() -> AccessTokens.parse("ops admin tooshort", "/t"))
        .hasMessageContaining("/t line 1: the token is 8 characters")
        .hasMessageNotContaining("tooshort");
    assertThatThrownBy(() -> AccessTokens.parse("o/ps admin " + OPS, "/t"))
        .hasMessageContaining("name 'o/ps' is not valid");
    assertThatThrownBy(() -> AccessTokens.parse("ops admin sha256:abc", "/t"))
        .hasMessageContaining("64 hex digits");
    assertThatThrownBy(
            () -> AccessTokens.parse("ops admin " + OPS + "\nops read " + VIEW + "\n", "/t"))
        .hasMessageContaining("/t line 2: name 'ops' is given already on line 1");
    assertThatThrownBy(
            () -> AccessTokens.parse("ops admin " + OPS + "\nalice read " + OPS + "\n", "/t"))
        .hasMessageContaining("the token of 'alice' is the token of 'ops' too")
        .hasMessageNotContaining(OPS);
    assertThatThrownBy(() -> AccessTokens.parse("# nothing\n\n", "/t"))
        .hasMessageContaining("/t holds no token");
    // a bare token among named lines is a malformed line, not a second admin
    assertThatThrownBy(() -> AccessTokens.parse("ops admin " + OPS + "\n" + VIEW + "\n", "/t"))
        .hasMessageContaining("/t line 2 has 1 fields");
  }

  @Test
  void when_no_token_is_configured_then_every_request_passes_as_admin() {
    AccessTokens open = AccessTokens.single(" ");

    assertThat(open.isOpen()).isTrue();
    assertThat(open.caller(null)).contains(new Caller("admin", Role.ADMIN));
  }

  @Test
  void roles_needed_follow_the_route() {
    assertThat(Role.needed("GET", "/api/jobs")).isEqualTo(Role.READ);
    assertThat(Role.needed("HEAD", "/api/jars/abc")).isEqualTo(Role.READ);
    assertThat(Role.needed("POST", "/api/jobs")).isEqualTo(Role.SUBMIT);
    assertThat(Role.needed("POST", "/api/jobs/j1/cancel")).isEqualTo(Role.SUBMIT);
    assertThat(Role.needed("PUT", "/api/jars/abc")).isEqualTo(Role.SUBMIT);
    assertThat(Role.needed("POST", "/api/schedules")).isEqualTo(Role.ADMIN);
    assertThat(Role.needed("DELETE", "/api/schedules/s")).isEqualTo(Role.ADMIN);
    assertThat(Role.needed("POST", "/api/schedules/s/pause")).isEqualTo(Role.ADMIN);
    assertThat(Role.needed("POST", "/api/storage/repair")).isEqualTo(Role.ADMIN);
    assertThat(Role.needed("DELETE", "/api/jobs/j1")).isEqualTo(Role.ADMIN);
    assertThat(Role.needed("POST", "/api/jobs/j1/stdout")).isEqualTo(Role.ADMIN);
  }
}
