package io.github.keycloakdpop.core;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.jose4j.jwk.PublicJsonWebKey;

/** RFC 7638 JWK thumbprints, the value bound into {@code cnf.jkt} (RFC 9449 §6.1). */
public final class Thumbprints {

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private Thumbprints() {
    }

    /** base64url(SHA-256(canonical JWK members)), computed by jose4j: the reference. */
    public static String jkt(PublicJsonWebKey key) {
        return key.calculateBase64urlEncodedThumbprint("SHA-256");
    }

    /** The same thumbprint, from the checked members without building a key. */
    static String jkt(ProofJwk jwk) {
        return BASE64URL.encodeToString(AccessTokenHash.sha256(canonicalJson(jwk).getBytes(StandardCharsets.US_ASCII)));
    }

    /**
     * RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace. Values are re-encoded from
     * the decoded octets, so a member sent with non-zero padding bits still gives the key's one thumbprint; curve
     * names come from a fixed set and base64url needs no JSON escaping, so the result is ASCII.
     */
    static String canonicalJson(ProofJwk jwk) {
        return switch (jwk.kty()) {
            case "EC" -> "{\"crv\":\"" + jwk.crv() + "\",\"kty\":\"EC\",\"x\":\"" + b64(jwk.x()) + "\",\"y\":\"" + b64(jwk.y()) + "\"}";
            case "RSA" -> "{\"e\":\"" + b64(jwk.e()) + "\",\"kty\":\"RSA\",\"n\":\"" + b64(jwk.n()) + "\"}";
            case "OKP" -> "{\"crv\":\"" + jwk.crv() + "\",\"kty\":\"OKP\",\"x\":\"" + b64(jwk.x()) + "\"}";
            default -> throw new IllegalArgumentException("unknown kty");
        };
    }

    private static String b64(byte[] octets) {
        return BASE64URL.encodeToString(octets);
    }
}
