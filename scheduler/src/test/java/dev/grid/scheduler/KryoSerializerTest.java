package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.grid.api.JobId;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class KryoSerializerTest {
  private final Kryo kryo = KryoSerializer.newKryo(SchedulerTypes.kryoClasses());

  private Object roundTrip(Object value) {
    Output out = new Output(256, -1);
    kryo.writeClassAndObject(out, value);
    return kryo.readClassAndObject(new Input(out.toBytes()));
  }

  @Test
  void when_a_job_record_travels_then_it_comes_back_equal() {
    JobSpec spec =
        JobSpec.command("echo", "a b", "$HOME")
            .withEnv(Map.of("K", "V", "L", "W"))
            .withTimeout(Duration.ofSeconds(30))
            .withMaxRetries(2);
    JobRecord r =
        JobUpdate.apply(
                JobRecord.queued(JobId.of("j1"), spec, 5),
                new JobCommand.Dispatch(3, "n1", "w1", 6))
            .record();

    assertThat(roundTrip(r)).isEqualTo(r);
    assertThat(roundTrip(new JobUpdateProcessor(new JobCommand.Cancel(9))))
        .isEqualTo(new JobUpdateProcessor(new JobCommand.Cancel(9)));
    assertThat(roundTrip(new JobTable.InStates(List.of(JobState.QUEUED))))
        .isEqualTo(new JobTable.InStates(List.of(JobState.QUEUED)));
  }

  @Test
  void when_a_java_job_record_travels_then_it_comes_back_equal() {
    JobSpec spec =
        JobSpec.java("ab".repeat(32), "com.example.Pi", "1000").withTimeout(Duration.ofSeconds(30));
    JobRecord r = JobRecord.queued(JobId.of("j2"), spec, 5);
    assertThat(roundTrip(r)).isEqualTo(r);
    assertThat(JsonCodec.JOBS.decode(JsonCodec.JOBS.encode(r))).isEqualTo(r);
  }

  @Test
  void when_a_class_is_not_registered_then_it_is_refused() {
    assertThatThrownBy(() -> roundTrip(new AtomicLong(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not registered");
  }
}
