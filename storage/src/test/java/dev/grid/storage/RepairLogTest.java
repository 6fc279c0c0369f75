package dev.grid.storage;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A repair pass says what it found in a few lines, however many keys it is about. */
class RepairLogTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger("repair-log-test");
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

  RepairLogTest() {
    lines.start();
    logger.addAppender(lines);
  }

  @Test
  void when_thousands_of_blobs_are_lost_then_the_pass_says_so_in_one_line_with_the_count() {
    RepairLog news = new RepairLog();
    for (int i = 0; i < 5000; i++) {
      news.lost("out/j" + i + "/1/stdout", "no live node holds a copy");
    }

    news.write(logger);

    assertThat(lines.list).hasSize(1);
    assertThat(lines.list.get(0).getFormattedMessage())
        .contains("5000 blobs lost for now")
        .contains("'out/j0/1/stdout', 'out/j1/1/stdout', 'out/j2/1/stdout' and 4997 more")
        .contains("no live node holds a copy");
  }

  @Test
  void when_copies_fail_for_two_reasons_then_each_reason_is_one_line_with_its_keys() {
    RepairLog news = new RepairLog();
    news.copyFailed("a", "from n1 to n2: node 'n1' is not in the cluster");
    news.copyFailed("b", "a newer version was written since the pass began (expected)");
    news.copyFailed("c", "from n1 to n2: node 'n1' is not in the cluster");

    news.write(logger);

    assertThat(news.failedCount()).isEqualTo(3);
    assertThat(lines.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly(
            "blob repair: 2 blobs could not be copied, left for the next pass: from n1 to n2: node"
                + " 'n1' is not in the cluster: 'a', 'c'",
            "blob repair: 1 blob could not be copied, left for the next pass: a newer version was"
                + " written since the pass began (expected): 'b'");
  }

  @Test
  void when_nothing_went_wrong_then_the_pass_says_nothing() {
    new RepairLog().write(logger);

    assertThat(lines.list).isEmpty();
    assertThat(RepairLog.keys(List.of("k"))).isEqualTo("'k'");
  }
}
