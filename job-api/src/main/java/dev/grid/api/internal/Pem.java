package dev.grid.api.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS from PEM files, as operators have them (from a CA, from Let's Encrypt, from {@code openssl
 * req}): a node's certificate chain and private key, and a client's CA certificates to trust. Every
 * failure names the file and what to do.
 */
public final class Pem {
  private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String KEY_END = "-----END PRIVATE KEY-----";

  private Pem() {}

  /** A server's TLS context: the certificate chain (leaf first) and its PKCS#8 private key. */
  public static SSLContext serverContext(Path certFile, Path keyFile) {
    List<Certificate> chain = certificates(certFile);
    PrivateKey key = privateKey(keyFile);
    if (!matches(key, chain.get(0).getPublicKey())) {
      throw new IllegalArgumentException(
          "the key in "
              + keyFile
              + " does not go with the first certificate in "
              + certFile
              + ": give the key the certificate was made for (leaf certificate first)");
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] none = new char[0];
      store.setKeyEntry("grid", key, none, chain.toArray(new Certificate[0]));
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, none);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException(
          "the key in "
              + keyFile
              + " does not go with the certificate in "
              + certFile
              + " ("
              + e.getMessage()
              + "): give the key the certificate was made for",
          e);
    }
  }

  /** Whether the key signs what the public key verifies. */
  private static boolean matches(PrivateKey key, PublicKey certified) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm(); // Ed25519, Ed448
        };
    try {
      byte[] probe = "grid tls key check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certified);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // another kind of key than the certificate's
    }
  }

  /** A client's TLS context that trusts the CA certificates in the file, and nothing else. */
  public static SSLContext trusting(Path caFile) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      int i = 0;
      for (Certificate c : certificates(caFile)) {
        store.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException(
          "cannot trust the certificates in " + caFile + ": " + e.getMessage(), e);
    }
  }

  /** The X.509 certificates in a PEM file, in order. */
  static List<Certificate> certificates(Path file) {
    byte[] bytes = read(file, "certificate");
    try (InputStream in = new ByteArrayInputStream(bytes)) {
      List<Certificate> out =
          new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
      if (out.isEmpty()) {
        throw new IllegalArgumentException(
            "no certificate in "
                + file
                + ": give a PEM file with -----BEGIN CERTIFICATE----- blocks");
      }
      return out;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException(
          "the certificates in "
              + file
              + " cannot be read ("
              + e.getMessage()
              + "): give a PEM file with -----BEGIN CERTIFICATE----- blocks",
          e);
    }
  }

  /** The PKCS#8 private key (RSA, EC or EdDSA) in a PEM file. */
  static PrivateKey privateKey(Path file) {
    String text = new String(read(file, "private key"), StandardCharsets.US_ASCII);
    int begin = text.indexOf(KEY_BEGIN);
    int end = text.indexOf(KEY_END);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(
          "no PKCS#8 private key in "
              + file
              + ": the file must hold a "
              + KEY_BEGIN
              + " block (convert another form with `openssl pkcs8 -topk8 -nocrypt -in "
              + file
              + " -out key.pem`)");
    }
    byte[] der =
        Base64.getMimeDecoder().decode(text.substring(begin + KEY_BEGIN.length(), end).strip());
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // not this algorithm: try the next
      }
    }
    throw new IllegalArgumentException(
        "the private key in " + file + " is not an RSA, EC or EdDSA key this JVM can read");
  }

  private static byte[] read(Path file, String what) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the " + what + " file " + file + ": " + e.getMessage(), e);
    }
  }
}
