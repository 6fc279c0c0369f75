package dev.grid.api.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.grid.api.ArraySpec;
import dev.grid.api.Backoff;
import dev.grid.api.Dependencies;
import dev.grid.api.DrainState;
import dev.grid.api.JavaTask;
import dev.grid.api.JobEvent;
import dev.grid.api.JobId;
import dev.grid.api.JobInfo;
import dev.grid.api.JobReport;
import dev.grid.api.JobSpec;
import dev.grid.api.JobState;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.NodeDrain;
import dev.grid.api.NodeInfo;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.QueueInfo;
import dev.grid.api.Resources;
import dev.grid.api.RetryOn;
import dev.grid.api.ScheduleInfo;
import dev.grid.api.ScheduleSpec;
import dev.grid.api.Scheduling;
import dev.grid.api.Usage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The client's side of the wire format for the shapes a client command sends and reads most: a
 * {@link JobSpec} out; {@link JobInfo}, {@link NodeInfo}, {@link ScheduleInfo} and single fields (a
 * new job's id, an error's text) in. It uses jackson-core's streaming parser and generator only:
 * {@link Json}'s databind mapper costs a client command about a thousand classes and a fifth of a
 * second to start, more than the whole request.
 *
 * <p>It reads and writes exactly what {@link Json} does (the node keeps using that): fields by
 * their record component names, nulls written, durations as ISO-8601 text, policies as lowercase
 * words, unknown fields ignored when reading an answer. {@code LightJsonTest} round-trips every
 * shape through both, in both directions, so the two cannot drift apart.
 *
 * <p>Not part of the public API.
 */
public final class LightJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private LightJson() {}

  /** A job spec as compact JSON, as {@link Json#toBytes} writes it. */
  public static byte[] jobSpec(JobSpec spec) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      writeJobSpec(g, spec);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a job spec as JSON", e);
    }
    return out.toByteArray();
  }

  /** A job as the grid answers {@code GET /api/jobs/ID}. */
  public static JobInfo jobInfo(byte[] json) {
    return read(json, "JobInfo", v -> jobInfo(object(v, "JobInfo")));
  }

  /** A list of jobs, as {@code GET /api/jobs} answers. */
  public static List<JobInfo> jobInfos(byte[] json) {
    return read(json, "list of JobInfo", v -> list(v, e -> jobInfo(object(e, "JobInfo"))));
  }

  /** The nodes, as {@code GET /api/nodes} answers. */
  public static List<NodeInfo> nodeInfos(byte[] json) {
    return read(json, "list of NodeInfo", v -> list(v, e -> nodeInfo(object(e, "NodeInfo"))));
  }

  /** A schedule, as {@code GET /api/schedules/NAME} answers. */
  public static ScheduleInfo scheduleInfo(byte[] json) {
    return read(json, "ScheduleInfo", v -> scheduleInfo(object(v, "ScheduleInfo")));
  }

  /** The schedules, as {@code GET /api/schedules} answers. */
  public static List<ScheduleInfo> scheduleInfos(byte[] json) {
    return read(
        json, "list of ScheduleInfo", v -> list(v, e -> scheduleInfo(object(e, "ScheduleInfo"))));
  }

  /**
   * One text field of a JSON object, like a new job's {@code "id"} or an error's {@code "error"}.
   *
   * @return its text (a number or boolean as text), or null if the object has no such field or the
   *     field is null
   * @throws UncheckedIOException if the bytes are not JSON
   */
  public static String field(byte[] json, String name) {
    return read(
        json,
        "JSON object",
        v -> {
          if (!(v instanceof Map<?, ?> map)) {
            return null;
          }
          Object value = map.get(name);
          return value == null || value instanceof Map || value instanceof List
              ? null
              : value.toString();
        });
  }

  // ---- writing

  private static void writeJobSpec(JsonGenerator g, JobSpec spec) throws IOException {
    g.writeStartObject();
    g.writeFieldName("argv");
    writeStrings(g, spec.argv());
    g.writeStringField("shell", spec.shell());
    g.writeFieldName("env");
    if (spec.env() == null) {
      g.writeNull();
    } else {
      g.writeStartObject();
      for (Map.Entry<String, String> e : spec.env().entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
    }
    g.writeStringField("workDir", spec.workDir());
    g.writeStringField("timeout", spec.timeout() == null ? null : spec.timeout().toString());
    g.writeNumberField("maxRetries", spec.maxRetries());
    g.writeFieldName("java");
    JavaTask java = spec.java();
    if (java == null) {
      g.writeNull();
    } else {
      g.writeStartObject();
      g.writeStringField("jarSha256", java.jarSha256());
      g.writeStringField("className", java.className());
      g.writeFieldName("args");
      writeStrings(g, java.args());
      g.writeBooleanField("isolated", java.isolated());
      g.writeEndObject();
    }
    g.writeFieldName("array");
    ArraySpec array = spec.array();
    if (array == null) {
      g.writeNull();
    } else {
      g.writeStartObject();
      g.writeStringField("indices", array.indices());
      g.writeFieldName("limit");
      if (array.limit() == null) {
        g.writeNull();
      } else {
        g.writeNumber(array.limit());
      }
      g.writeEndObject();
    }
    g.writeFieldName("after");
    Dependencies after = spec.after();
    if (after == null) {
      g.writeNull();
    } else {
      g.writeStartObject();
      g.writeFieldName("ok");
      writeIds(g, after.ok());
      g.writeFieldName("any");
      writeIds(g, after.any());
      g.writeEndObject();
    }
    if (spec.submittedBy() != null) { // absent when null, as in Jackson's form: older nodes
      g.writeStringField("submittedBy", spec.submittedBy()); // refuse fields they do not know
    }
    if (spec.retryOn() != null) {
      g.writeFieldName("retryOn");
      g.writeStartArray();
      for (RetryOn r : spec.retryOn()) {
        g.writeString(r.name());
      }
      g.writeEndArray();
    }
    if (spec.backoff() != null) {
      g.writeFieldName("backoff");
      g.writeStartObject();
      g.writeStringField("first", spec.backoff().first().toString());
      g.writeStringField("max", spec.backoff().max().toString());
      g.writeEndObject();
    }
    if (spec.scheduling() != null) {
      g.writeFieldName("scheduling");
      g.writeStartObject();
      if (spec.scheduling().name() != null) {
        g.writeStringField("name", spec.scheduling().name());
      }
      g.writeNumberField("priority", spec.scheduling().priority());
      if (spec.scheduling().hold()) {
        g.writeBooleanField("hold", true);
      }
      if (spec.scheduling().queue() != null) {
        g.writeStringField("queue", spec.scheduling().queue());
      }
      if (spec.scheduling().constraints() != null) {
        g.writeFieldName("constraints");
        writeStrings(g, spec.scheduling().constraints());
      }
      if (spec.scheduling().waitForLabel()) {
        g.writeBooleanField("waitForLabel", true);
      }
      Resources r = spec.scheduling().resources();
      if (r != null) {
        g.writeFieldName("resources");
        g.writeStartObject();
        if (r.cpus() != 0) {
          g.writeNumberField("cpus", r.cpus());
        }
        if (r.memoryBytes() != 0) {
          g.writeNumberField("memoryBytes", r.memoryBytes());
        }
        g.writeEndObject();
      }
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  private static void writeStrings(JsonGenerator g, List<String> values) throws IOException {
    if (values == null) {
      g.writeNull();
      return;
    }
    g.writeStartArray();
    for (String value : values) {
      g.writeString(value);
    }
    g.writeEndArray();
  }

  private static void writeIds(JsonGenerator g, List<JobId> ids) throws IOException {
    if (ids == null) {
      g.writeNull();
      return;
    }
    g.writeStartArray();
    for (JobId id : ids) {
      g.writeString(id.value());
    }
    g.writeEndArray();
  }

  // ---- reading: a small tree of maps, lists, strings, numbers and booleans, then the records

  private static <T> T read(byte[] json, String what, Function<Object, T> convert) {
    Object tree;
    try (JsonParser p = FACTORY.createParser(json)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new UncheckedIOException(new IOException("not a " + what + ": no content"));
      }
      tree = value(p, first);
    } catch (IOException e) {
      throw new UncheckedIOException("not a " + what + ": " + Json.describe(e), e);
    }
    try {
      return convert.apply(tree);
    } catch (RuntimeException e) { // a Shape, or a record's own check of a value
      throw new UncheckedIOException("not a " + what + ": " + e.getMessage(), new IOException(e));
    }
  }

  private static Object value(JsonParser p, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT:
        Map<String, Object> object = new LinkedHashMap<>();
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
          String name = p.currentName();
          object.put(name, value(p, p.nextToken()));
        }
        return object;
      case START_ARRAY:
        List<Object> list = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          list.add(value(p, t));
        }
        return list;
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return p.getNumberValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new IOException("unexpected " + token);
    }
  }

  /** A value of the wrong shape: the message names the field. */
  private static final class Shape extends RuntimeException {
    Shape(String message) {
      super(message, null, false, false);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Object value, String what) {
    if (value instanceof Map<?, ?> map) {
      return (Map<String, Object>) map;
    }
    throw new Shape("expected a " + what + " object, not " + describe(value));
  }

  private static <T> List<T> list(Object value, Function<Object, T> element) {
    if (!(value instanceof List<?> values)) {
      throw new Shape("expected a list, not " + describe(value));
    }
    List<T> out = new ArrayList<>(values.size());
    for (Object v : values) {
      out.add(element.apply(v));
    }
    return out;
  }

  private static String describe(Object value) {
    return value == null ? "null" : value instanceof String s ? "\"" + s + "\"" : value.toString();
  }

  private static JobInfo jobInfo(Map<String, Object> o) {
    Map<String, Object> tasks = nullableObject(o, "tasks");
    Map<JobState, Integer> counts = null;
    if (tasks != null) {
      counts = new EnumMap<>(JobState.class);
      for (Map.Entry<String, Object> e : tasks.entrySet()) {
        counts.put(state(e.getKey(), "tasks"), integer(e.getValue(), "tasks." + e.getKey()));
      }
    }
    Object history = o.get("history");
    return new JobInfo(
        jobId(o, "id"),
        state(text(o, "state"), "state"),
        text(o, "node"),
        (int) number(o, "attempt"),
        nullableInt(o, "exitCode"),
        text(o, "message"),
        o.get("spec") == null ? null : jobSpec(object(o.get("spec"), "JobSpec")),
        number(o, "submittedAtMillis"),
        nullableLong(o, "startedAtMillis"),
        nullableLong(o, "endedAtMillis"),
        number(o, "stdoutBytes"),
        number(o, "stderrBytes"),
        bool(o, "outputTruncated"),
        history == null ? null : list(history, e -> jobEvent(object(e, "JobEvent"))),
        jobId(o, "arrayId"),
        nullableInt(o, "arrayIndex"),
        counts,
        nullableLong(o, "retryAtMillis"),
        (int) number(o, "retriesUsed"),
        usage(nullableObject(o, "usage")));
  }

  private static Usage usage(Map<String, Object> o) {
    return o == null
        ? null
        : new Usage(
            number(o, "cpuUserMillis"), number(o, "cpuSystemMillis"), number(o, "peakMemoryBytes"));
  }

  private static JobEvent jobEvent(Map<String, Object> o) {
    return new JobEvent(
        state(text(o, "state"), "state"),
        number(o, "atMillis"),
        text(o, "node"),
        (int) number(o, "attempt"),
        number(o, "epoch"),
        text(o, "message"),
        nullableInt(o, "exitCode"));
  }

  private static JobSpec jobSpec(Map<String, Object> o) {
    Map<String, Object> env = nullableObject(o, "env");
    Map<String, String> envText = null;
    if (env != null) {
      envText = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : env.entrySet()) {
        envText.put(e.getKey(), e.getValue() == null ? null : e.getValue().toString());
      }
    }
    String timeout = text(o, "timeout");
    Map<String, Object> java = nullableObject(o, "java");
    Map<String, Object> array = nullableObject(o, "array");
    Map<String, Object> after = nullableObject(o, "after");
    Map<String, Object> backoff = nullableObject(o, "backoff");
    Object retryOn = o.get("retryOn");
    Map<String, Object> scheduling = nullableObject(o, "scheduling");
    return new JobSpec(
        strings(o, "argv"),
        text(o, "shell"),
        envText,
        text(o, "workDir"),
        timeout == null ? null : Duration.parse(timeout),
        (int) number(o, "maxRetries"),
        java == null
            ? null
            : new JavaTask(
                text(java, "jarSha256"),
                text(java, "className"),
                strings(java, "args"),
                bool(java, "isolated")),
        array == null ? null : new ArraySpec(text(array, "indices"), nullableInt(array, "limit")),
        after == null ? null : new Dependencies(jobIds(after, "ok"), jobIds(after, "any")),
        text(o, "submittedBy"),
        retryOn == null ? null : list(retryOn, r -> RetryOn.parse(r.toString())),
        backoff == null
            ? null
            : new Backoff(
                Duration.parse(text(backoff, "first")), Duration.parse(text(backoff, "max"))),
        scheduling == null
            ? null
            : new Scheduling(
                text(scheduling, "name"),
                (int) number(scheduling, "priority"),
                bool(scheduling, "hold"),
                text(scheduling, "queue"),
                scheduling.get("constraints") == null ? null : strings(scheduling, "constraints"),
                bool(scheduling, "waitForLabel"),
                resources(nullableObject(scheduling, "resources"))));
  }

  private static Resources resources(Map<String, Object> o) {
    return o == null ? null : new Resources((int) number(o, "cpus"), number(o, "memoryBytes"));
  }

  /** A report as the node writes it. */
  public static JobReport jobReport(byte[] json) {
    return read(
        json,
        "JobReport",
        v -> {
          Map<String, Object> o = object(v, "JobReport");
          return new JobReport(
              number(o, "sinceMillis"),
              number(o, "untilMillis"),
              reportRows(o, "byQueue"),
              reportRows(o, "byName"),
              reportRows(o, "bySubmitter"));
        });
  }

  private static List<JobReport.Row> reportRows(Map<String, Object> o, String name) {
    Object rows = o.get(name);
    return rows == null
        ? List.of()
        : list(
            rows,
            e -> {
              Map<String, Object> r = object(e, "JobReport.Row");
              return new JobReport.Row(
                  text(r, "key"),
                  number(r, "jobs"),
                  number(r, "succeeded"),
                  number(r, "failed"),
                  number(r, "cancelled"),
                  number(r, "runMillis"),
                  number(r, "measured"),
                  number(r, "cpuUserMillis"),
                  number(r, "cpuSystemMillis"),
                  number(r, "peakMemoryBytes"));
            });
  }

  /** A queue as the node writes it. */
  public static QueueInfo queueInfo(byte[] json) {
    return read(json, "QueueInfo", v -> queueInfo(object(v, "QueueInfo")));
  }

  /** A list of queues as the node writes it. */
  public static List<QueueInfo> queueInfos(byte[] json) {
    return read(json, "list of QueueInfo", v -> list(v, e -> queueInfo(object(e, "QueueInfo"))));
  }

  private static QueueInfo queueInfo(Map<String, Object> o) {
    return new QueueInfo(text(o, "name"), nullableInt(o, "maxSlots"), (int) number(o, "held"));
  }

  private static NodeInfo nodeInfo(Map<String, Object> o) {
    return new NodeInfo(
        text(o, "name"),
        text(o, "httpUrl"),
        bool(o, "primary"),
        number(o, "epoch"),
        (int) number(o, "slots"),
        (int) number(o, "running"),
        nullableLong(o, "heartbeatAtMillis"),
        o.get("labels") == null ? null : strings(o, "labels"),
        resources(nullableObject(o, "offers")),
        text(o, "role"),
        drainState(text(o, "drain"), "drain"));
  }

  /** A node's drain mark as the node writes it. */
  public static NodeDrain nodeDrain(byte[] json) {
    return read(
        json,
        "NodeDrain",
        v -> {
          Map<String, Object> o = object(v, "NodeDrain");
          return new NodeDrain(text(o, "node"), drainState(text(o, "state"), "state"));
        });
  }

  private static DrainState drainState(String name, String field) {
    if (name == null) {
      return null;
    }
    try {
      return DrainState.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new Shape("field '" + field + "': no drain state \"" + name + "\"");
    }
  }

  private static ScheduleInfo scheduleInfo(Map<String, Object> o) {
    Map<String, Object> spec = nullableObject(o, "spec");
    return new ScheduleInfo(
        spec == null ? null : scheduleSpec(spec),
        bool(o, "paused"),
        number(o, "createdAtMillis"),
        nullableLong(o, "lastFireMillis"),
        nullableLong(o, "nextFireMillis"));
  }

  private static ScheduleSpec scheduleSpec(Map<String, Object> o) {
    String misfire = text(o, "misfire");
    String overlap = text(o, "overlap");
    Map<String, Object> job = nullableObject(o, "job");
    return new ScheduleSpec(
        text(o, "name"),
        text(o, "cron"),
        text(o, "zone"),
        job == null ? null : jobSpec(job),
        misfire == null ? null : MisfirePolicy.parse(misfire),
        overlap == null ? null : OverlapPolicy.parse(overlap),
        (int) number(o, "maxCatchUp"),
        nullableInt(o, "keepRuns"));
  }

  private static Map<String, Object> nullableObject(Map<String, Object> o, String name) {
    Object value = o.get(name);
    return value == null ? null : object(value, name);
  }

  private static String text(Map<String, Object> o, String name) {
    Object value = o.get(name);
    if (value == null || value instanceof String) {
      return (String) value;
    }
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    throw new Shape("field '" + name + "': expected text, not " + describe(value));
  }

  private static List<String> strings(Map<String, Object> o, String name) {
    Object value = o.get(name);
    return value == null ? null : list(value, e -> e == null ? null : e.toString());
  }

  private static List<JobId> jobIds(Map<String, Object> o, String name) {
    Object value = o.get(name);
    return value == null ? null : list(value, e -> e == null ? null : JobId.of(e.toString()));
  }

  private static JobId jobId(Map<String, Object> o, String name) {
    String text = text(o, name);
    return text == null ? null : JobId.of(text);
  }

  private static JobState state(String name, String field) {
    if (name == null) {
      return null;
    }
    try {
      return JobState.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new Shape("field '" + field + "': no job state \"" + name + "\"");
    }
  }

  /** A number field; absent or null is 0, as databind reads a primitive. */
  private static long number(Map<String, Object> o, String name) {
    Long value = nullableLong(o, name);
    return value == null ? 0 : value;
  }

  private static Long nullableLong(Map<String, Object> o, String name) {
    Object value = o.get(name);
    if (value == null) {
      return null;
    }
    if (value instanceof Number n) {
      return n.longValue();
    }
    throw new Shape("field '" + name + "': expected a number, not " + describe(value));
  }

  private static Integer nullableInt(Map<String, Object> o, String name) {
    Object value = o.get(name);
    return value == null ? null : integer(value, name);
  }

  private static int integer(Object value, String name) {
    if (value instanceof Number n) {
      return n.intValue();
    }
    throw new Shape("field '" + name + "': expected a number, not " + describe(value));
  }

  private static boolean bool(Map<String, Object> o, String name) {
    Object value = o.get(name);
    if (value == null || value instanceof Boolean) {
      return value != null && (Boolean) value;
    }
    throw new Shape("field '" + name + "': expected true or false, not " + describe(value));
  }
}
