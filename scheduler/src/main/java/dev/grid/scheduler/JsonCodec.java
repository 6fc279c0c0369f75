package dev.grid.scheduler;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.grid.storage.BlobCodec;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The grid's records as they rest in the blob store: JSON an operator can read, field by field.
 * Fields a record does not know are ignored (a record written by a newer grid still loads);
 * durations are ISO-8601 text ({@code "PT30S"}); map entries are sorted so that equal records make
 * equal bytes.
 *
 * <p>Its own mapper, not the HTTP API's: the stored form must not change when the wire does.
 */
final class JsonCodec<V> implements BlobCodec<V> {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  static final JsonCodec<JobRecord> JOBS = new JsonCodec<>(JobRecord.class);
  static final JsonCodec<ScheduleRecord> SCHEDULES = new JsonCodec<>(ScheduleRecord.class);
  static final JsonCodec<TaskBlock> BLOCKS = new JsonCodec<>(TaskBlock.class);
  static final JsonCodec<ScheduleRunRecord> RUNS = new JsonCodec<>(ScheduleRunRecord.class);
  static final JsonCodec<QueueRecord> QUEUES = new JsonCodec<>(QueueRecord.class);
  static final JsonCodec<DrainRecord> DRAINS = new JsonCodec<>(DrainRecord.class);

  private final Class<V> type;

  private JsonCodec(Class<V> type) {
    this.type = type;
  }

  @Override
  public byte[] encode(V value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + type.getSimpleName() + " as JSON", e);
    }
  }

  @Override
  public V decode(byte[] bytes) {
    try {
      return MAPPER.readValue(bytes, type);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "not a " + type.getSimpleName() + " in JSON: " + e.getMessage(), e);
    }
  }
}
