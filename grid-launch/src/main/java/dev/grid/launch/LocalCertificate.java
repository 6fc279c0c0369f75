package dev.grid.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A self-signed certificate for the HTTP APIs of a local grid whose nodes have addresses beyond
 * loopback (a node refuses plain HTTP there), made with {@code openssl} as an operator would: one
 * EC P-256 certificate naming every node's address, valid for 30 days. Clients trust the
 * certificate itself ({@code GRID_CA_FILE}).
 */
final class LocalCertificate {
  private LocalCertificate() {}

  /**
   * Writes the certificate and its PKCS#8 key (the owner's alone).
   *
   * @param addresses the nodes' IP addresses, each a subject alternative name
   * @throws IllegalStateException if openssl is missing or fails, with what it said
   */
  static void write(Path cert, Path key, List<String> addresses) {
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=local grid"));
    command.add("-addext");
    command.add(
        "subjectAltName="
            + addresses.stream().map(a -> "IP:" + a).collect(Collectors.joining(",")));
    command.addAll(List.of("-keyout", key.toString(), "-out", cert.toString()));
    try {
      Process openssl = new ProcessBuilder(command).redirectErrorStream(true).start();
      String said = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!openssl.waitFor(60, TimeUnit.SECONDS) || openssl.exitValue() != 0) {
        openssl.destroyForcibly();
        throw new IllegalStateException("openssl could not make the grid's certificate: " + said);
      }
      Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot run openssl to make the grid's TLS certificate ("
              + e.getMessage()
              + "): install it (apt-get install openssl)",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted while running openssl", e));
    }
  }
}
