package dev.grid.scheduler;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.ImmutableCollectionsSerializers;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import com.esotericsoftware.kryo.util.Pool;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.StreamSerializer;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import org.objenesis.strategy.StdInstantiatorStrategy;

/**
 * Hazelcast's global serializer for the grid's own types: Kryo with registration required, so only
 * the classes listed here and by the components can ever be read from the wire, never a class name
 * chosen by a sender.
 *
 * <p>Registration ids follow the order of the list, so every node must build the list the same way:
 * the node wiring concatenates the components' lists in a fixed order.
 */
public final class KryoSerializer implements StreamSerializer<Object> {
  /** Hazelcast type id of this serializer; any positive id not used by another serializer. */
  public static final int TYPE_ID = 7301;

  private final Pool<Kryo> pool;

  /** A serializer that knows the given classes (plus JDK basics), in this order. */
  public KryoSerializer(List<Class<?>> classes) {
    List<Class<?>> registered = List.copyOf(classes);
    this.pool =
        new Pool<>(true, false, 16) {
          @Override
          protected Kryo create() {
            return newKryo(registered);
          }
        };
  }

  /** A Kryo instance with the grid's registrations; for tests and for byte-level storage. */
  public static Kryo newKryo(List<Class<?>> classes) {
    Kryo kryo = new Kryo();
    kryo.setRegistrationRequired(true);
    kryo.setReferences(false);
    // Classes without a no-arg constructor are created without calling one (records use their
    // canonical constructor regardless).
    kryo.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
    ImmutableCollectionsSerializers.registerSerializers(kryo);
    kryo.register(ArrayList.class);
    kryo.register(HashMap.class);
    kryo.register(LinkedHashMap.class);
    kryo.register(UUID.class, new DefaultSerializers.UUIDSerializer());
    kryo.register(Duration.class);
    kryo.register(Instant.class);
    kryo.register(String[].class);
    kryo.register(byte[].class);
    kryo.register(short[].class);
    kryo.register(int[].class);
    kryo.register(long[].class);
    kryo.register(TreeMap.class);
    for (Class<?> c : classes) {
      kryo.register(c);
    }
    return kryo;
  }

  @Override
  public int getTypeId() {
    return TYPE_ID;
  }

  @Override
  public void write(ObjectDataOutput out, Object object) throws IOException {
    Kryo kryo = pool.obtain();
    try {
      Output output = new Output(256, -1);
      kryo.writeClassAndObject(output, object);
      out.writeByteArray(output.toBytes());
    } finally {
      pool.free(kryo);
    }
  }

  @Override
  public Object read(ObjectDataInput in) throws IOException {
    byte[] bytes = in.readByteArray();
    Kryo kryo = pool.obtain();
    try {
      return kryo.readClassAndObject(new Input(bytes));
    } finally {
      pool.free(kryo);
    }
  }
}
