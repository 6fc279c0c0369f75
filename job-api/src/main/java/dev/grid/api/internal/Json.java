package dev.grid.api.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.grid.api.JobSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The one JSON mapping of the grid's HTTP API, shared by the node's server and {@code GridClient}
 * so both sides always agree.
 *
 * <p>Records map field by field; {@code JobId} is a plain string; {@code Duration} is ISO-8601
 * text ({@code "PT30S"}); nulls are written (a script can rely on {@code exitCode} being present).
 * Reading answers is lenient about fields it does not know, so an older client can talk to a newer
 * node; reading a {@link JobSpec} sent by a user is strict, so a misspelt {@code "timout"} is an
 * error rather than a job that runs without a limit.
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
          .build();

  private static final ObjectReader STRICT_SPEC =
      MAPPER.readerFor(JobSpec.class).with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

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
   * Reads a job spec sent by a user: unknown fields are refused, an absent {@code maxRetries}
   * means {@link JobSpec#DEFAULT_MAX_RETRIES}.
   *
   * @throws IllegalArgumentException with a message that names the bad field or value
   */
  public static JobSpec readJobSpec(byte[] json) {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("the job spec is not valid JSON: " + describe(e), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new IllegalArgumentException(
          "the job spec must be a JSON object like {\"argv\": [\"echo\", \"hi\"]}, not "
              + (tree == null ? "nothing" : tree.getNodeType().toString().toLowerCase()));
    }
    ObjectNode object = (ObjectNode) tree;
    if (!object.has("maxRetries") || object.get("maxRetries").isNull()) {
      object.put("maxRetries", JobSpec.DEFAULT_MAX_RETRIES);
    }
    try {
      return STRICT_SPEC.readValue(object);
    } catch (IOException e) {
      throw new IllegalArgumentException(specError(e), e);
    }
  }

  private static String specError(IOException e) {
    Throwable validation = e.getCause();
    if (validation instanceof IllegalArgumentException && validation.getMessage() != null) {
      return validation.getMessage(); // JobSpec's own check: already names the value
    }
    if (e instanceof UnrecognizedPropertyException unknown) {
      return "unknown field '"
          + unknown.getPropertyName()
          + "' in the job spec: known fields are argv, shell, env, workDir, timeout, maxRetries";
    }
    String message = "bad job spec: " + describe(e);
    return validation instanceof java.time.format.DateTimeParseException
        ? message + " (durations are ISO-8601, like PT30S or PT5M)"
        : message;
  }

  /** A one-line account of a JSON problem, naming the field when there is one. */
  public static String describe(IOException e) {
    String text =
        e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
    text = text == null ? e.getClass().getSimpleName() : text.replaceAll("\\s+", " ").trim();
    if (e instanceof JsonMappingException jme && !jme.getPath().isEmpty()) {
      String path =
          jme.getPath().stream()
              .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
              .collect(Collectors.joining("."));
      return "field '" + path + "': " + text;
    }
    return text;
  }
}
