package dev.grid.api.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializerBase;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.grid.api.ArraySpec;
import dev.grid.api.Dependencies;
import dev.grid.api.JavaTask;
import dev.grid.api.JobSpec;
import dev.grid.api.MisfirePolicy;
import dev.grid.api.OverlapPolicy;
import dev.grid.api.ScheduleSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one JSON mapping of the grid's HTTP API, shared by the node's server and {@code GridClient}
 * so both sides always agree.
 *
 * <p>Records map field by field; {@code JobId} is a plain string; {@code Duration} is ISO-8601 text
 * ({@code "PT30S"}); nulls are written (a script can rely on {@code exitCode} being present).
 * Reading answers is lenient about fields it does not know, so an older client can talk to a newer
 * node; reading a {@link JobSpec} or {@link ScheduleSpec} sent by a user is strict, so a misspelt
 * {@code "timout"} is an error rather than a job that runs without a limit. Misfire and overlap
 * policies are lowercase words ({@code "once"}, {@code "forbid"}), read in any case.
 *
 * <p>Not part of the public API: it may change with the wire format.
 */
public final class Json {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .addModule(policies())
          .build();

  private static final ObjectReader STRICT_SPEC =
      MAPPER.readerFor(JobSpec.class).with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static final ObjectReader STRICT_SCHEDULE =
      MAPPER.readerFor(ScheduleSpec.class).with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static final String JOB_FIELDS =
      "argv, shell, env, workDir, timeout, maxRetries, java, array, after, retryOn, backoff,"
          + " scheduling";
  private static final String JAVA_FIELDS = "jarSha256, className, args, isolated";
  private static final String SCHEDULE_FIELDS =
      "name, cron, zone, job, misfire, overlap, maxCatchUp, keepRuns";

  private Json() {}

  /** The configured mapper. Shared and thread-safe: do not reconfigure it. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** The value as compact JSON bytes (UTF-8). */
  public static byte[] toBytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getName() + " as JSON", e);
    }
  }

  /** The value as indented JSON text, for people and {@code --json}. */
  public static String toPrettyString(Object value) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getName() + " as JSON", e);
    }
  }

  /**
   * Reads an answer of the grid.
   *
   * @throws UncheckedIOException if the bytes are not the expected JSON
   */
  public static <T> T read(byte[] json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (IOException e) {
      throw new UncheckedIOException("not a " + type.getSimpleName() + ": " + describe(e), e);
    }
  }

  /** Reads an answer of the grid that is a list. */
  public static <T> List<T> readList(byte[] json, Class<T> element) {
    try {
      return MAPPER.readValue(
          json, MAPPER.getTypeFactory().constructCollectionType(List.class, element));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "not a list of " + element.getSimpleName() + ": " + describe(e), e);
    }
  }

  /** Reads a JSON object into a tree. */
  public static JsonNode readTree(byte[] json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + describe(e), e);
    }
  }

  /**
   * Reads a job spec sent by a user: unknown fields are refused, an absent {@code maxRetries} means
   * {@link JobSpec#DEFAULT_MAX_RETRIES}.
   *
   * @throws IllegalArgumentException with a message that names the bad field or value
   */
  public static JobSpec readJobSpec(byte[] json) {
    ObjectNode object = readObject(json, "job spec", "{\"argv\": [\"echo\", \"hi\"]}");
    defaultRetries(object);
    try {
      return STRICT_SPEC.readValue(object);
    } catch (IOException e) {
      throw new IllegalArgumentException(specError(e, "job spec"), e);
    }
  }

  /**
   * Reads a schedule spec sent by a user, as strictly as {@link #readJobSpec}: unknown fields are
   * refused (in the schedule and in its job); absent policies mean {@code once} and {@code allow},
   * an absent {@code maxCatchUp} {@link ScheduleSpec#DEFAULT_MAX_CATCH_UP}, an absent zone UTC, an
   * absent {@code keepRuns} the grid's default. The cron expression and zone are left for the grid
   * to check.
   *
   * @throws IllegalArgumentException with a message that names the bad field or value
   */
  public static ScheduleSpec readScheduleSpec(byte[] json) {
    ObjectNode object =
        readObject(
            json,
            "schedule spec",
            "{\"name\": \"backup\", \"cron\": \"@daily\", \"job\": {\"argv\": [\"true\"]}}");
    JsonNode job = object.get("job");
    if (job == null || job.isNull()) {
      throw new IllegalArgumentException(
          "the schedule spec has no job: give one like \"job\": {\"argv\": [\"echo\", \"hi\"]}");
    }
    if (job instanceof ObjectNode jobObject) {
      defaultRetries(jobObject);
    }
    if (!object.hasNonNull("maxCatchUp")) {
      object.put("maxCatchUp", ScheduleSpec.DEFAULT_MAX_CATCH_UP);
    }
    try {
      return STRICT_SCHEDULE.readValue(object);
    } catch (IOException e) {
      throw new IllegalArgumentException(specError(e, "schedule spec"), e);
    }
  }

  private static ObjectNode readObject(byte[] json, String what, String example) {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("the " + what + " is not valid JSON: " + describe(e), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new IllegalArgumentException(
          "the "
              + what
              + " must be a JSON object like "
              + example
              + ", not "
              + (tree == null ? "nothing" : tree.getNodeType().toString().toLowerCase()));
    }
    return (ObjectNode) tree;
  }

  private static void defaultRetries(ObjectNode job) {
    if (!job.has("maxRetries") || job.get("maxRetries").isNull()) {
      job.put("maxRetries", JobSpec.DEFAULT_MAX_RETRIES);
    }
  }

  private static String specError(IOException e, String what) {
    Throwable validation = e.getCause();
    if (validation instanceof IllegalArgumentException && validation.getMessage() != null) {
      return validation.getMessage(); // the record's own check: already names the value
    }
    if (e instanceof UnrecognizedPropertyException unknown) {
      Class<?> in = unknown.getReferringClass();
      boolean inJob = in == JobSpec.class;
      String where =
          in == ArraySpec.class
              ? "job's array"
              : in == Dependencies.class
                  ? "job's after"
                  : in == JavaTask.class
                      ? "job's java part"
                      : inJob && !what.equals("job spec") ? "schedule's job" : what;
      String known =
          in == ArraySpec.class
              ? "indices, limit"
              : in == Dependencies.class
                  ? "ok, any"
                  : in == JavaTask.class ? JAVA_FIELDS : inJob ? JOB_FIELDS : SCHEDULE_FIELDS;
      return "unknown field '"
          + unknown.getPropertyName()
          + "' in the "
          + where
          + ": known fields are "
          + known;
    }
    String message = "bad " + what + ": " + describe(e);
    return validation instanceof DateTimeParseException
        ? message + " (durations are ISO-8601, like PT30S or PT5M)"
        : message;
  }

  /** Policies as lowercase words on the wire, read in any case with the enums' own messages. */
  private static SimpleModule policies() {
    SimpleModule module = new SimpleModule("grid-policies");
    module.addSerializer(MisfirePolicy.class, new LowercaseSerializer<>(MisfirePolicy.class));
    module.addSerializer(OverlapPolicy.class, new LowercaseSerializer<>(OverlapPolicy.class));
    module.addDeserializer(
        MisfirePolicy.class, new PolicyDeserializer<>(MisfirePolicy.class, MisfirePolicy::parse));
    module.addDeserializer(
        OverlapPolicy.class, new PolicyDeserializer<>(OverlapPolicy.class, OverlapPolicy::parse));
    return module;
  }

  private static final class LowercaseSerializer<E extends Enum<E>> extends ToStringSerializerBase {
    LowercaseSerializer(Class<E> type) {
      super(type);
    }

    @Override
    public String valueToString(Object value) {
      return ((Enum<?>) value).name().toLowerCase(Locale.ROOT);
    }
  }

  private static final class PolicyDeserializer<E extends Enum<E>>
      extends StdScalarDeserializer<E> {
    private final transient Function<String, E> parse;

    PolicyDeserializer(Class<E> type, Function<String, E> parse) {
      super(type);
      this.parse = parse;
    }

    @Override
    public E deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (!p.hasToken(JsonToken.VALUE_STRING)) {
        throw new IllegalArgumentException(
            "field '"
                + p.currentName()
                + "' must be a word like \"once\" or \"forbid\", not "
                + p.getText());
      }
      return parse.apply(p.getText()); // IllegalArgumentException naming the word: a 400
    }
  }

  /** A one-line account of a JSON problem, naming the field when there is one. */
  public static String describe(IOException e) {
    String text =
        e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
    text = text == null ? e.getClass().getSimpleName() : text.replaceAll("\\s+", " ").trim();
    if (e instanceof JsonMappingException jme && !jme.getPath().isEmpty()) {
      String path =
          jme.getPath().stream()
              .map(
                  ref ->
                      ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
              .collect(Collectors.joining("."));
      return "field '" + path + "': " + text;
    }
    return text;
  }
}
