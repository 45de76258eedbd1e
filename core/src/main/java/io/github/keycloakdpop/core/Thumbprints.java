package io.github.keycloakdpop.core;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;

import org.jose4j.jwk.PublicJsonWebKey;

/** RFC 7638 JWK thumbprints, the value bound into {@code cnf.jkt} (RFC 9449 §6.1). */
public final class Thumbprints {

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    // the constant parts of the RFC 7638 input, see canonicalJson
    private static final byte[] EC_CRV = ascii("{\"crv\":\"");
    private static final byte[] EC_X = ascii("\",\"kty\":\"EC\",\"x\":\"");
    private static final byte[] EC_Y = ascii("\",\"y\":\"");
    private static final byte[] RSA_E = ascii("{\"e\":\"");
    private static final byte[] RSA_N = ascii("\",\"kty\":\"RSA\",\"n\":\"");
    private static final byte[] OKP_CRV = EC_CRV;
    private static final byte[] OKP_X = ascii("\",\"kty\":\"OKP\",\"x\":\"");
    private static final byte[] END = ascii("\"}");

    private Thumbprints() {
    }

    /** base64url(SHA-256(canonical JWK members)), computed by jose4j: the reference. */
    public static String jkt(PublicJsonWebKey key) {
        return key.calculateBase64urlEncodedThumbprint("SHA-256");
    }

    /** The same thumbprint, from the checked members without building a key. */
    static String jkt(ProofJwk jwk) {
        MessageDigest sha256 = AccessTokenHash.sha256();
        for (byte[] piece : canonicalJson(jwk)) {
            sha256.update(piece);
        }
        return BASE64URL.encodeToString(sha256.digest());
    }

    /**
     * The same thumbprint for a key another library decoded (a JCA {@link PublicKey}): RSA, EC on P-256, P-384 or
     * P-521, Ed25519 and Ed448; null for any other key. Lets a caller tell cheaply whether that key is the one a proof
     * was verified with, without building a jose4j key.
     */
    public static String jkt(PublicKey key) {
        ProofJwk jwk;
        if (key instanceof RSAPublicKey rsa) {
            jwk = ProofJwk.rsa(unsigned(rsa.getModulus()), unsigned(rsa.getPublicExponent()), Map.of());
        } else if (key instanceof ECPublicKey ec) {
            jwk = ec(ec);
        } else {
            jwk = okp(key.getEncoded());
        }
        return jwk == null ? null : jkt(jwk);
    }

    private static ProofJwk ec(ECPublicKey key) {
        String crv = JwkChecks.curveName(key.getParams());
        if (crv == null) {
            return null;
        }
        int length = (key.getParams().getCurve().getField().getFieldSize() + 7) / 8;
        return ProofJwk.ec(crv, fixedLength(key.getW().getAffineX(), length), fixedLength(key.getW().getAffineY(), length),
                Map.of());
    }

    /** RFC 8410 SubjectPublicKeyInfo of an Ed25519 or Ed448 key: a fixed prefix, then the RFC 8037 {@code x}. */
    private static final byte[] ED25519_SPKI = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    private static final byte[] ED448_SPKI = {0x30, 0x43, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71, 0x03, 0x3a, 0x00};

    private static ProofJwk okp(byte[] spki) {
        if (spki == null || spki.length < ED25519_SPKI.length) {
            return null;
        }
        byte[] prefix = Arrays.copyOf(spki, ED25519_SPKI.length);
        byte[] x = Arrays.copyOfRange(spki, prefix.length, spki.length);
        if (Arrays.equals(prefix, ED25519_SPKI) && x.length == 32) {
            return ProofJwk.okp("Ed25519", x, Map.of());
        }
        return Arrays.equals(prefix, ED448_SPKI) && x.length == 57 ? ProofJwk.okp("Ed448", x, Map.of()) : null;
    }

    /** RFC 7518 §6.3.1: RSA integers as unsigned big-endian octets without leading zeros. */
    private static byte[] unsigned(BigInteger value) {
        byte[] octets = value.toByteArray();
        return octets.length > 1 && octets[0] == 0 ? Arrays.copyOfRange(octets, 1, octets.length) : octets;
    }

    /** RFC 7518 §6.2.1.2: EC coordinates as unsigned big-endian octets of the field's full length. */
    private static byte[] fixedLength(BigInteger value, int length) {
        byte[] minimal = unsigned(value);
        byte[] octets = new byte[length];
        System.arraycopy(minimal, 0, octets, length - minimal.length, minimal.length);
        return octets;
    }

    /**
     * RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace, as ASCII pieces in order.
     * Values are re-encoded from the decoded octets, so a member sent with non-zero padding bits still gives the key's
     * one thumbprint; curve names come from a fixed set and base64url needs no JSON escaping. The digest takes the
     * pieces one by one: no string of the whole is built (an RSA modulus alone is 342 characters, and the gate
     * computes a thumbprint for every proof).
     */
    static byte[][] canonicalJson(ProofJwk jwk) {
        return switch (jwk.kty()) {
            case "EC" -> new byte[][] {EC_CRV, ascii(jwk.crv()), EC_X, b64(jwk.x()), EC_Y, b64(jwk.y()), END};
            case "RSA" -> new byte[][] {RSA_E, b64(jwk.e()), RSA_N, b64(jwk.n()), END};
            case "OKP" -> new byte[][] {OKP_CRV, ascii(jwk.crv()), OKP_X, b64(jwk.x()), END};
            default -> throw new IllegalArgumentException("unknown kty");
        };
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] b64(byte[] octets) {
        return BASE64URL.encode(octets);
    }
}
