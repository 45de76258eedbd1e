package io.github.keycloakdpop.core;

/** Single-use store for proof identifiers (RFC 9449 §11.1). */
public interface ReplayGuard {

    /**
     * @return true if {@code key} was not seen before and is now recorded for at least {@code ttlSeconds};
     *         false if it was already used.
     */
    boolean firstUse(String key, long ttlSeconds);

    /**
     * For a caller that records single use itself, with a key of its own (Keycloak's token endpoint, whose built-in
     * check records every proof after the plugin): the verifier then skips the replay step and does not even build
     * its key, which would cost a hash and a few strings per proof for nothing.
     */
    ReplayGuard RECORDED_BY_CALLER = (key, ttlSeconds) -> true;
}
