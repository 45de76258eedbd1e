package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.DPoPProofException;
import io.github.keycloakdpop.core.DPoPResourceCheck;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counters in Keycloak's Micrometer registry (at {@code /metrics} on the management port when Keycloak runs with
 * {@code --metrics-enabled=true}). Labels take fixed values only: the endpoint kind and the refusal reason, never a
 * client id or anything a caller sends.
 */
final class DPoPMetrics {

    /** Which kind of endpoint the proof was sent to. */
    enum Endpoint {
        TOKEN, PAR, USERINFO, ACCOUNT;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Resource endpoints: {@code invalid_token}, the token or its binding (wrong scheme, another key's proof). */
    private static final String TOKEN_REASON = "token";
    /** Resource endpoints: {@code invalid_request}, a malformed or repeated {@code Authorization} header. */
    private static final String AUTHORIZATION_REASON = "authorization";

    private DPoPMetrics() {
    }

    /**
     * One per endpoint kind, registered on first use: this counter moves on every accepted request, so it is not
     * looked up in the registry each time. A counter of the global (composite) registry also reaches registries
     * added after it was made.
     */
    private static final Map<Endpoint, Counter> ACCEPTED = new ConcurrentHashMap<>();

    static void accepted(Endpoint endpoint) {
        ACCEPTED.computeIfAbsent(endpoint, e -> Counter.builder("keycloak.dpop.proofs.accepted")
                .description("DPoP proofs accepted").tag("endpoint", e.label()).register(Metrics.globalRegistry))
                .increment();
    }

    /** Moves on most token requests with a proof, so it is made once (see {@link ProofHandOff}). */
    private static final Counter HANDED_OFF = Counter.builder("keycloak.dpop.proofs.handed.off")
            .description("DPoP proofs that Keycloak took from the plugin instead of checking them again")
            .tag("endpoint", Endpoint.TOKEN.label()).register(Metrics.globalRegistry);

    static void handedOff() {
        HANDED_OFF.increment();
    }

    static void rejected(Endpoint endpoint, DPoPProofException.Reason reason) {
        rejected(endpoint, reason.name().toLowerCase(java.util.Locale.ROOT));
        if (reason == DPoPProofException.Reason.REPLAY) {
            Counter.builder("keycloak.dpop.replays.blocked").description("DPoP proofs refused as replays (jti reuse)")
                    .tag("endpoint", endpoint.label()).register(Metrics.globalRegistry).increment();
        }
    }

    /**
     * A refusal at userinfo or the account API: a refused proof by its reason, as at the token endpoint; an
     * {@code invalid_token} refusal as {@value #TOKEN_REASON}, an {@code invalid_request} as
     * {@value #AUTHORIZATION_REASON}. {@code use_dpop_nonce} counts as a nonce challenge instead.
     */
    static void rejected(Endpoint endpoint, DPoPResourceCheck.Refusal refusal) {
        if (refusal.proofReason() != null) {
            rejected(endpoint, refusal.proofReason());
        } else {
            rejected(endpoint, DPoPResourceCheck.INVALID_REQUEST.equals(refusal.error()) ? AUTHORIZATION_REASON
                    : TOKEN_REASON);
        }
    }

    private static void rejected(Endpoint endpoint, String reason) {
        Counter.builder("keycloak.dpop.proofs.rejected")
                .description("DPoP proofs refused, by the check that refused them")
                .tag("endpoint", endpoint.label()).tag("reason", reason)
                .register(Metrics.globalRegistry).increment();
    }

    static void nonceChallenge(Endpoint endpoint) {
        Counter.builder("keycloak.dpop.nonce.challenges").description("use_dpop_nonce answers, each with a fresh nonce")
                .tag("endpoint", endpoint.label()).register(Metrics.globalRegistry).increment();
    }
}
