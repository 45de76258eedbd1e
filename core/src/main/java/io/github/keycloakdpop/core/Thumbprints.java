package io.github.keycloakdpop.core;

import org.jose4j.jwk.PublicJsonWebKey;

/** RFC 7638 JWK thumbprints, the value bound into {@code cnf.jkt} (RFC 9449 §6.1). */
public final class Thumbprints {

    private Thumbprints() {
    }

    /** base64url(SHA-256(canonical JWK members)). */
    public static String jkt(PublicJsonWebKey key) {
        return key.calculateBase64urlEncodedThumbprint("SHA-256");
    }
}
