package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.grid.api.ArraySpec;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.Usage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A task block, with every column set, survives the JSON blob store and Kryo unchanged. */
class TaskBlockRoundTripTest {
  private final Kryo kryo = KryoSerializer.newKryo(SchedulerTypes.kryoClasses());

  private Object kryoRoundTrip(Object value) {
    Output out = new Output(256, -1);
    kryo.writeClassAndObject(out, value);
    return kryo.readClassAndObject(new Input(out.toBytes()));
  }

  /** A block whose every column holds values other than its defaults, slot by slot. */
  private static TaskBlock full() {
    int n = TaskBlock.SIZE;
    byte[] states = new byte[n];
    int[] attempts = new int[n];
    int[] retries = new int[n];
    short[] workers = new short[n];
    long[] started = new long[n];
    long[] ended = new long[n];
    int[] exits = new int[n];
    long[] stdout = new long[n];
    long[] stderr = new long[n];
    byte[] flags = new byte[n];
    Map<Integer, String> messages = new TreeMap<>();
    Map<Integer, Long> retryAt = new TreeMap<>();
    Map<Integer, Usage> usage = new TreeMap<>();
    JobState[] all = JobState.values();
    for (int s = 0; s < n; s++) {
      states[s] = s % 10 == 9 ? 0 : TaskBlock.code(all[s % all.length]);
      attempts[s] = s % 7;
      retries[s] = s % 3;
      workers[s] = (short) (s % 4 - 1);
      started[s] = 1_800_000_000_000L + s;
      ended[s] = 1_800_000_001_000L + s;
      exits[s] = s % 5 == 0 ? TaskBlock.NO_EXIT : s - 128;
      stdout[s] = (long) s << 33;
      stderr[s] = s * 3L;
      flags[s] = (byte) (s % 4);
      if (s % 11 == 0) {
        messages.put(s, "slot " + s + ": retry 1 of 2, \"quoted\" \u00e9");
      }
      if (s % 13 == 0) {
        retryAt.put(s, 1_800_000_002_000L + s);
      }
      if (s % 3 == 0) {
        usage.put(s, new Usage(s * 7L, s, (long) s << 20));
      }
    }
    return new TaskBlock(
        JobId.of("a1"),
        17,
        1_799_999_999_000L,
        42,
        9001,
        states,
        attempts,
        retries,
        workers,
        List.of("n1", "n2", "n3"),
        List.of("w1", "w2", "w3"),
        started,
        ended,
        exits,
        stdout,
        stderr,
        flags,
        messages,
        retryAt,
        usage);
  }

  static void assertSameColumns(TaskBlock actual, TaskBlock expected) {
    assertThat(actual.arrayId()).isEqualTo(expected.arrayId());
    assertThat(actual.block()).isEqualTo(expected.block());
    assertThat(actual.submittedAtMillis()).isEqualTo(expected.submittedAtMillis());
    assertThat(actual.epoch()).isEqualTo(expected.epoch());
    assertThat(actual.version()).isEqualTo(expected.version());
    assertThat(actual.states()).as("states").containsExactly(expected.states());
    assertThat(actual.attempts()).as("attempts").containsExactly(expected.attempts());
    assertThat(actual.retriesUsed()).as("retriesUsed").containsExactly(expected.retriesUsed());
    assertThat(actual.workers()).as("workers").containsExactly(expected.workers());
    assertThat(actual.nodes()).as("nodes").isEqualTo(expected.nodes());
    assertThat(actual.workerIds()).as("workerIds").isEqualTo(expected.workerIds());
    assertThat(actual.startedAtMillis())
        .as("startedAt")
        .containsExactly(expected.startedAtMillis());
    assertThat(actual.endedAtMillis()).as("endedAt").containsExactly(expected.endedAtMillis());
    assertThat(actual.exitCodes()).as("exitCodes").containsExactly(expected.exitCodes());
    assertThat(actual.stdoutBytes()).as("stdout").containsExactly(expected.stdoutBytes());
    assertThat(actual.stderrBytes()).as("stderr").containsExactly(expected.stderrBytes());
    assertThat(actual.flags()).as("flags").containsExactly(expected.flags());
    assertThat(actual.messages()).as("messages").isEqualTo(expected.messages());
    assertThat(actual.messages().keySet())
        .as("message keys are slots")
        .allSatisfy(k -> assertThat(k).isInstanceOf(Integer.class));
    assertThat(actual.retryAt()).as("retryAt").isEqualTo(expected.retryAt());
    assertThat(actual.usage()).as("usage").isEqualTo(expected.usage());
    assertThat(actual.retryAt().keySet())
        .as("retryAt keys are slots")
        .allSatisfy(k -> assertThat(k).isInstanceOf(Integer.class));
  }

  @Test
  void a_full_block_survives_the_json_blob_codec() {
    TaskBlock b = full();
    TaskBlock back = JsonCodec.BLOCKS.decode(JsonCodec.BLOCKS.encode(b));
    assertSameColumns(back, b);
    assertThat(back.task(JobSpec.command("true"), 0)).isEqualTo(b.task(JobSpec.command("true"), 0));
  }

  @Test
  void a_full_block_survives_kryo() {
    TaskBlock b = full();
    assertSameColumns((TaskBlock) kryoRoundTrip(b), b);
  }

  @Test
  void a_block_changed_by_updates_survives_both_and_can_still_be_updated() {
    TaskBlock b =
        TaskBlock.created(
                JobId.of("a2"), JobSpec.command("true").withArray(ArraySpec.parse("0-3")), 5)
            .get(0);
    b = BlockUpdate.apply(b, new BlockCommand.Dispatch(3, "n1", "w1", new int[] {0, 1}, 6)).block();
    b = BlockUpdate.apply(b, new BlockCommand.Cancel(new int[] {2}, 7)).block();

    for (TaskBlock back :
        List.of(
            JsonCodec.BLOCKS.decode(JsonCodec.BLOCKS.encode(b)), (TaskBlock) kryoRoundTrip(b))) {
      assertSameColumns(back, b);
      BlockUpdate.Result r =
          BlockUpdate.apply(back, new BlockCommand.Dispatch(3, "n2", "w2", new int[] {3}, 8));
      assertThat(r.changed()).containsExactly(3);
      assertThat(r.block().nodes()).containsExactly("n1", "n2");
    }
  }

  @Test
  void a_finish_batch_and_an_update_result_survive_kryo() {
    List<BlockCommand.Ended> ended =
        new ArrayList<>(
            List.of(
                new BlockCommand.Ended(0, 1, JobState.SUCCEEDED, 0, null, 10, 20, 30, 40, false),
                new BlockCommand.Ended(
                    255, 7, JobState.FAILED, -1, "exit -1", 11, 21, 31, 41, true),
                new BlockCommand.Ended(
                    3, 2, JobState.TIMED_OUT, null, "timed out", 0, 22, 0, 0, false)));
    BlockCommand.Finish finish = new BlockCommand.Finish("n1", ended, 99);

    assertThat(kryoRoundTrip(finish)).isEqualTo(finish);
    BlockCommand.Finish immutable = new BlockCommand.Finish("n1", List.copyOf(ended), 99);
    assertThat(kryoRoundTrip(immutable)).as("an unmodifiable list of ends").isEqualTo(immutable);
    BlockUpdate.Processor p = new BlockUpdate.Processor(finish);
    assertThat(kryoRoundTrip(p)).isEqualTo(p);

    BlockUpdate.Result r = new BlockUpdate.Result(full(), new int[] {1, 5, 255}, null);
    BlockUpdate.Result back = (BlockUpdate.Result) kryoRoundTrip(r);
    assertSameColumns(back.block(), r.block());
    assertThat(back.changed()).containsExactly(1, 5, 255);
    assertThat(back.refusal()).isNull();

    BlockUpdate.Result refused =
        (BlockUpdate.Result)
            kryoRoundTrip(new BlockUpdate.Result(null, new int[0], "no such task block"));
    assertThat(refused.block()).isNull();
    assertThat(refused.changed()).isEmpty();
    assertThat(refused.refusal()).isEqualTo("no such task block");
  }

  @Test
  void the_other_block_commands_survive_kryo_with_their_slots() {
    List<BlockCommand> commands =
        List.of(
            new BlockCommand.Dispatch(4, "n1", "w1", new int[] {1, 2}, 5),
            new BlockCommand.Start("n1", new int[] {1, 2}, new int[] {1, 1}, 6),
            new BlockCommand.Reclaim(4, "w1", new int[] {1}, new int[] {1}, true, 2, "timeout", 7),
            new BlockCommand.Reclaim(4, "w1", null, null, false, 0, "left", 7),
            new BlockCommand.Release("n1", new int[] {2}, new int[] {1}, "stopped", 8),
            new BlockCommand.Resolve(4, JobState.CANCELLED, "b failed", 9),
            new BlockCommand.Cancel(null, 10),
            new BlockCommand.Cancel(new int[] {0, 255}, 10));
    for (BlockCommand c : commands) {
      Object back = kryoRoundTrip(c);
      assertThat(back).as("%s", c).usingRecursiveComparison().isEqualTo(c);
    }
    assertThat(Arrays.toString(((BlockCommand.Start) kryoRoundTrip(commands.get(1))).attempts()))
        .isEqualTo("[1, 1]");
  }
}
