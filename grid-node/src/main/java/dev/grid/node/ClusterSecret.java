package dev.grid.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The grid's cluster secret: what a process must hold to take part as a member. Hazelcast's
 * open-source edition authenticates members by nothing but the cluster name, so the name a node
 * gives Hazelcast is derived from the secret ({@link #memberClusterName}): a process that knows a
 * node's address and the grid's name (say {@code grid}) but not the secret is refused at the join.
 * Clients are refused whatever name they give: the member port takes no Hazelcast clients (see
 * {@code ClusterSettings}). The name travels in the clear on the member port, as all of Hazelcast's
 * traffic does, so the secret protects a grid on a private network (or an encrypted overlay), not
 * one an attacker can sniff: README's "Security" says so.
 *
 * <p>Secret and token files must be the owner's alone: a file others can read is refused, with the
 * {@code chmod} that fixes it.
 */
public final class ClusterSecret {
  /** The file name of a secret a one-node grid makes for itself in its data dir. */
  static final String GENERATED = "cluster-secret";

  /** The shortest secret taken, in characters. */
  static final int MIN_LENGTH = 16;

  private static final Set<PosixFilePermission> OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE);

  private ClusterSecret() {}

  /**
   * The secret in a file, checked: readable, the owner's alone, at least {@value #MIN_LENGTH}
   * characters.
   *
   * @throws IllegalArgumentException naming the file and what to do
   */
  static String read(Path file, String what) throws IOException {
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(
          what
              + " file "
              + file
              + " cannot be read: create it with `bin/grid-token "
              + file
              + "` (a random secret, readable by its owner only)");
    }
    checkOwnerOnly(file, what);
    String secret = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (secret.length() < MIN_LENGTH) {
      throw new IllegalArgumentException(
          what
              + " file "
              + file
              + " holds "
              + secret.length()
              + " characters: put a secret of at least "
              + MIN_LENGTH
              + " in it: remove it and run `bin/grid-token "
              + file
              + "`");
    }
    return secret;
  }

  /**
   * Refuses a file that its group or others can read or write.
   *
   * @throws IllegalArgumentException naming the file and the {@code chmod} that fixes it
   */
  public static void checkOwnerOnly(Path file, String what) throws IOException {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      return; // not a POSIX file system: nothing to check
    }
    if (perms.stream().anyMatch(OTHERS::contains)) {
      throw new IllegalArgumentException(
          what
              + " file "
              + file
              + " can be read or written by others ("
              + PosixFilePermissions.toString(perms)
              + "): run `chmod 600 "
              + file
              + "`");
    }
  }

  /**
   * The secret of a one-node grid started without one: {@code DATA_DIR/cluster-secret}, made with
   * 256 random bits, the owner's alone, if missing.
   */
  static String generated(Path dataDir) throws IOException {
    Path file = dataDir.resolve(GENERATED);
    if (!Files.exists(file)) {
      writeNew(file);
    }
    return read(file, "cluster secret");
  }

  /**
   * Writes a new random secret (64 hex characters) to a new file only its owner can read, from
   * before its first byte (a temporary file made so, then moved); also a one-node grid's token.
   */
  static void writeNew(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".secret", ".tmp");
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system
    }
    Files.writeString(tmp, HexFormat.of().formatHex(bytes) + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, file);
  }

  /**
   * The cluster name a node gives Hazelcast: the grid's name, then 128 bits of an HMAC-SHA256 of it
   * keyed with the secret. Nodes with the same name and secret get the same; anyone else, another.
   */
  static String memberClusterName(String name, String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] tag = mac.doFinal(("grid member cluster " + name).getBytes(StandardCharsets.UTF_8));
      return name + "-" + HexFormat.of().formatHex(tag, 0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }
}
