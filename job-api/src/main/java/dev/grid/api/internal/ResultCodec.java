package dev.grid.api.internal;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.ImmutableCollectionsSerializers;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.objenesis.strategy.StdInstantiatorStrategy;

/**
 * The stored form of a Java job's result: Kryo with registration required, so that reading never
 * creates a class named by the bytes, only classes the reader was given.
 *
 * <p>Format: the magic {@code GRR1}, the number of classes the job declared and their names in
 * order (for the reader's error messages and to match them against the classes it was given), then
 * Kryo's {@code writeClassAndObject}. Kryo ids are: Kryo's defaults, then {@link #BASE_TYPES} in
 * order, then the job's declared classes in order. A reader registers a declared id only with a
 * class it was handed whose name matches; a name with no such class leaves the id unregistered, and
 * a value that uses it fails with a message naming the class to pass.
 *
 * <p>Not part of the public API: the worker writes and {@code GridClient} reads.
 */
public final class ResultCodec {
  private static final byte[] MAGIC = {'G', 'R', 'R', '1'};
  private static final int MAX_DECLARED = 1_000;
  private static final Pattern UNREGISTERED_ID =
      Pattern.compile("Encountered unregistered class ID: (\\d+)");

  /** JDK value types every result may hold, in their fixed registration order. */
  static final List<Class<?>> BASE_TYPES =
      List.of(
          ArrayList.class,
          LinkedList.class,
          HashMap.class,
          LinkedHashMap.class,
          TreeMap.class,
          HashSet.class,
          LinkedHashSet.class,
          TreeSet.class,
          Object[].class,
          String[].class,
          byte[].class,
          int[].class,
          long[].class,
          double[].class,
          float[].class,
          short[].class,
          char[].class,
          boolean[].class,
          BigInteger.class,
          BigDecimal.class,
          Duration.class,
          Instant.class,
          LocalDate.class,
          LocalDateTime.class,
          LocalTime.class,
          ZonedDateTime.class,
          ZoneOffset.class,
          OffsetDateTime.class,
          UUID.class);

  private ResultCodec() {}

  /**
   * Serializes a job's return value.
   *
   * @param declared the job's {@code resultTypes()}, in its order
   * @throws IllegalArgumentException naming a class the value holds that was not declared
   */
  public static byte[] encode(Object value, List<Class<?>> declared) {
    Kryo kryo = kryo();
    int first = kryo.getNextRegistrationId();
    for (int i = 0; i < declared.size(); i++) {
      kryo.register(declared.get(i), first + i);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream data = new DataOutputStream(bytes)) {
      data.write(MAGIC);
      data.writeInt(declared.size());
      for (Class<?> c : declared) {
        data.writeUTF(c.getName());
      }
      data.flush();
      Output output = new Output(bytes, 4096);
      kryo.writeClassAndObject(output, value);
      output.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (IllegalArgumentException | KryoException e) {
      throw new IllegalArgumentException(
          "the result (a "
              + value.getClass().getName()
              + ") could not be serialized: "
              + firstLine(e)
              + ". List every class it holds beyond JDK basics in the job's resultTypes()",
          e);
    }
    return bytes.toByteArray();
  }

  /**
   * Reads a result back as the given type.
   *
   * @param known classes to match the job's declared names against (the type and any it holds)
   * @throws IllegalArgumentException if the bytes hold a class not given, or a value of another
   *     type; the message names the class
   */
  public static <T> T decode(byte[] stored, Class<T> type, List<Class<?>> known) {
    List<String> declared = new ArrayList<>();
    Input input;
    try {
      DataInputStream data = new DataInputStream(new ByteArrayInputStream(stored));
      byte[] magic = data.readNBytes(MAGIC.length);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IllegalArgumentException("not a stored job result (bad magic)");
      }
      int count = data.readInt();
      if (count < 0 || count > MAX_DECLARED) {
        throw new IllegalArgumentException("not a stored job result (" + count + " classes)");
      }
      for (int i = 0; i < count; i++) {
        declared.add(data.readUTF());
      }
      input = new Input(data);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a stored job result: " + e, e);
    }
    Kryo kryo = kryo();
    int first = kryo.getNextRegistrationId();
    List<Class<?>> candidates = new ArrayList<>(known);
    candidates.add(type);
    for (int i = 0; i < declared.size(); i++) {
      for (Class<?> c : candidates) {
        if (c.getName().equals(declared.get(i))) {
          kryo.register(c, first + i);
          break;
        }
      }
    }
    Object value;
    try {
      value = kryo.readClassAndObject(input);
    } catch (KryoException | IllegalArgumentException e) {
      throw new IllegalArgumentException(readError(e, declared, first), e);
    }
    Class<?> boxed = boxed(type);
    if (value != null && !boxed.isInstance(value)) {
      throw new IllegalArgumentException(
          "the result is a "
              + value.getClass().getName()
              + ", not a "
              + type.getName()
              + ": ask for that type");
    }
    @SuppressWarnings("unchecked")
    T typed = (T) value;
    return typed;
  }

  private static String readError(RuntimeException e, List<String> declared, int first) {
    Matcher m = UNREGISTERED_ID.matcher(String.valueOf(e.getMessage()));
    if (m.find()) {
      int index = Integer.parseInt(m.group(1)) - first;
      if (index >= 0 && index < declared.size()) {
        return "the result holds a "
            + declared.get(index)
            + ": pass that class to"
            + " result(id, type, more...) so it can be read";
      }
    }
    return "the stored result could not be read: " + firstLine(e);
  }

  private static Kryo kryo() {
    Kryo kryo = new Kryo();
    kryo.setRegistrationRequired(true);
    kryo.setReferences(true); // a result may share or cycle objects
    kryo.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
    ImmutableCollectionsSerializers.registerSerializers(kryo);
    for (Class<?> c : BASE_TYPES) {
      if (c == UUID.class) {
        kryo.register(c, new DefaultSerializers.UUIDSerializer());
      } else {
        kryo.register(c);
      }
    }
    return kryo;
  }

  private static Class<?> boxed(Class<?> type) {
    if (!type.isPrimitive()) {
      return type;
    }
    return MethodType.methodType(type).wrap().returnType();
  }

  private static String firstLine(Exception e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
