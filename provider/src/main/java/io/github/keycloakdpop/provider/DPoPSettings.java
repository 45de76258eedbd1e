package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.ProofPolicy;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What several {@code dpop-policy} executors ask for together: the strictest value of each setting wins
 * (algorithms intersected, the smallest window, a switch on if any executor turns it on). Used for the executors that
 * apply to one client ({@link DPoPPolicyLookup}) and for those that apply to the whole realm ({@link RealmWidePolicy}).
 */
final class DPoPSettings {

    private boolean requireNonce;
    private boolean pinConfidentialClients;
    /** Null: no executor narrowed it. */
    private Set<String> algorithms;
    private Integer maxAgeSeconds;
    private Integer clockSkewSeconds;

    void add(DPoPPolicyExecutorFactory.Configuration config) {
        requireNonce |= Boolean.TRUE.equals(config.requireNonce);
        pinConfidentialClients |= Boolean.TRUE.equals(config.pinConfidentialClients);
        List<String> chosen = config.chosenAlgorithms();
        if (chosen != null) {
            if (algorithms == null) {
                algorithms = new HashSet<>(chosen);
            } else {
                algorithms.retainAll(chosen);
            }
        }
        maxAgeSeconds = stricter(maxAgeSeconds, DPoPPolicyExecutorFactory.Configuration.seconds(config.maxAge), 1);
        clockSkewSeconds = stricter(clockSkewSeconds, DPoPPolicyExecutorFactory.Configuration.seconds(config.clockSkew), 0);
    }

    /** A value below {@code min} failed validation (Keycloak never stores one) and counts as unset. */
    private static Integer stricter(Integer current, Integer candidate, int min) {
        if (candidate == null || candidate < min) {
            return current;
        }
        return current == null ? candidate : Math.min(current, candidate);
    }

    /**
     * {@code policy} narrowed by these settings. An empty intersection of algorithms leaves the algorithms as they
     * are: every client then fails {@link ClientProofCheck}, which says why.
     */
    ProofPolicy narrow(ProofPolicy policy) {
        ProofPolicy narrowed = policy.withWindow(
                Duration.ofSeconds(maxAgeSeconds == null ? policy.maxAge().toSeconds()
                        : Math.min(maxAgeSeconds, policy.maxAge().toSeconds())),
                Duration.ofSeconds(clockSkewSeconds == null ? policy.clockSkew().toSeconds()
                        : Math.min(clockSkewSeconds, policy.clockSkew().toSeconds())));
        if (algorithms == null) {
            return narrowed;
        }
        Set<String> allowed = new HashSet<>(policy.allowedAlgorithms());
        allowed.retainAll(algorithms);
        return allowed.isEmpty() ? narrowed : narrowed.withAllowedAlgorithms(allowed);
    }

    /** The algorithms the executors allow, or null when none narrowed the realm's. */
    Set<String> algorithms() {
        return algorithms;
    }

    Integer maxAgeSeconds() {
        return maxAgeSeconds;
    }

    Integer clockSkewSeconds() {
        return clockSkewSeconds;
    }

    boolean requireNonce() {
        return requireNonce;
    }

    boolean pinConfidentialClients() {
        return pinConfidentialClients;
    }
}
