package io.github.keycloakdpop.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** The {@code ath} claim value: base64url(SHA-256(ASCII(access token))), RFC 9449 §4.2. */
public final class AccessTokenHash {

    private AccessTokenHash() {
    }

    /** @throws IllegalArgumentException if the token is not ASCII (it cannot be a token68 value then) */
    public static String ath(String accessToken) {
        if (!StandardCharsets.US_ASCII.newEncoder().canEncode(accessToken)) {
            throw new IllegalArgumentException("access token is not ASCII");
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(accessToken.getBytes(StandardCharsets.US_ASCII)));
    }

    static byte[] sha256(byte[] input) {
        return sha256().digest(input);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
