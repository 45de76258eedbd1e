package io.github.keycloakdpop.core;

/** Single-use store for proof identifiers (RFC 9449 §11.1). */
public interface ReplayGuard {

    /**
     * @return true if {@code key} was not seen before and is now recorded for at least {@code ttlSeconds};
     *         false if it was already used.
     */
    boolean firstUse(String key, long ttlSeconds);
}
