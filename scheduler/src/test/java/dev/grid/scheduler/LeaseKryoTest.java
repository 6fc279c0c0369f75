package dev.grid.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.grid.scheduler.lease.Configuration;
import dev.grid.scheduler.lease.LeaseMessage;
import dev.grid.scheduler.lease.PendingChange;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaseKryoTest {
  private final Kryo kryo = KryoSerializer.newKryo(PrimaryLease.kryoClasses());

  @Test
  void when_lease_messages_travel_through_kryo_then_they_arrive_unchanged() {
    Configuration v0 = Configuration.initial(3);
    Configuration v1 = v0.next(List.of(0, 1, 2, 5));
    List<LeaseMessage> messages =
        List.of(
            new LeaseMessage.Prepare(65_537, 1, v0),
            new LeaseMessage.PrepareReply(
                65_537, 2, false, 131_072, 0, 65_536, 1_500_000_000L, v0, null),
            new LeaseMessage.PrepareReply(
                65_537, 2, true, 65_537, -1, 0, 0, v0, new PendingChange(65_536, v1)),
            new LeaseMessage.Propose(65_537, 1, 65_537, 2_000_000_000L, v0, null),
            new LeaseMessage.Propose(65_537, 1, 65_537, 2_000_000_000L, v0, v1),
            new LeaseMessage.ProposeReply(65_537, 0, true, 65_537, v1),
            new LeaseMessage.Release(65_537, 1));
    for (LeaseMessage message : messages) {
      assertThat(roundTrip(message)).isEqualTo(message);
      assertThat(roundTrip(new LeaseTask(message, "10.0.0.1:15701,10.0.0.2:15701")))
          .hasToString("LeaseTask[" + message + " from voters 10.0.0.1:15701,10.0.0.2:15701]");
    }
  }

  private Object roundTrip(Object value) {
    Output output = new Output(256, -1);
    kryo.writeClassAndObject(output, value);
    return kryo.readClassAndObject(new Input(output.toBytes()));
  }
}
