package io.github.keycloakdpop.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless server nonces (RFC 9449 §8 and §9): a nonce is a time step and an HMAC over it, so any server that holds
 * the secret can check any other server's nonce with no shared store, and a nonce expires with its step.
 *
 * <p>A nonce is {@code base64url(step || HMAC-SHA256(secret, scope || step)[0..16])}. The scope separates the
 * authorization server's nonces from the resource server's and one realm's from another's. A nonce is accepted
 * during its own step and the next one (so it lives between one and two steps); secrets are tried in order, so a
 * rotated-out secret keeps its nonces valid until they expire.
 */
public final class DPoPNonces {

    /** The outcome of checking a nonce from a proof. */
    public enum Check {
        /** Made in the current step with the current secret: nothing to do. */
        CURRENT,
        /** Still valid, but from the previous step or an older secret: accept it and send the client a new one. */
        VALID_RENEW,
        /** Missing, forged, malformed, expired or from the future: answer {@code use_dpop_nonce}. */
        INVALID
    }

    private static final int MAC_BYTES = 16;
    private static final int NONCE_BYTES = Long.BYTES + MAC_BYTES;
    private static final int NONCE_CHARS = 32; // base64url of 24 bytes, no padding

    private final Duration step;
    private final Clock clock;

    public DPoPNonces(Duration step, Clock clock) {
        if (step == null || step.toSeconds() < 1) {
            throw new IllegalArgumentException("nonce step must be at least one second");
        }
        this.step = step;
        this.clock = clock;
    }

    /** A fresh nonce for the current step, made with {@code secret} (the active one). */
    public String issue(byte[] secret, String scope) {
        long current = currentStep();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                ByteBuffer.allocate(NONCE_BYTES).putLong(current).put(mac(secret, scope, current)).array());
    }

    /**
     * Checks a nonce against {@code secrets}, the active one first.
     *
     * @param nonce the {@code nonce} claim of a verified proof, or null
     */
    public Check check(String nonce, List<byte[]> secrets, String scope) {
        if (nonce == null || nonce.length() != NONCE_CHARS || secrets.isEmpty()) {
            return Check.INVALID;
        }
        byte[] decoded;
        try {
            decoded = Base64.getUrlDecoder().decode(nonce);
        } catch (IllegalArgumentException notBase64url) {
            return Check.INVALID;
        }
        ByteBuffer buffer = ByteBuffer.wrap(decoded);
        long nonceStep = buffer.getLong();
        byte[] presented = new byte[MAC_BYTES];
        buffer.get(presented);
        long current = currentStep();
        if (nonceStep != current && nonceStep != current - 1) {
            return Check.INVALID;
        }
        for (int i = 0; i < secrets.size(); i++) {
            if (MessageDigest.isEqual(presented, mac(secrets.get(i), scope, nonceStep))) {
                return i == 0 && nonceStep == current ? Check.CURRENT : Check.VALID_RENEW;
            }
        }
        return Check.INVALID;
    }

    private long currentStep() {
        return Math.floorDiv(clock.millis(), step.toMillis());
    }

    private static byte[] mac(byte[] secret, String scope, long step) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(scope.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0); // scope and step cannot run into each other
            byte[] full = mac.doFinal(ByteBuffer.allocate(Long.BYTES).putLong(step).array());
            byte[] truncated = new byte[MAC_BYTES];
            System.arraycopy(full, 0, truncated, 0, MAC_BYTES);
            return truncated;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
