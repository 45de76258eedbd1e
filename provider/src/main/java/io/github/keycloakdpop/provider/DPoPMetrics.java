package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.DPoPProofException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;

/**
 * Counters in Keycloak's Micrometer registry (at {@code /metrics} on the management port when Keycloak runs with
 * {@code --metrics-enabled=true}). Labels take fixed values only: the endpoint kind and the refusal reason, never a
 * client id or anything a caller sends.
 */
final class DPoPMetrics {

    /** Which kind of endpoint the proof was sent to. */
    enum Endpoint {
        TOKEN, PAR, RESOURCE;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private DPoPMetrics() {
    }

    static void accepted(Endpoint endpoint) {
        Counter.builder("keycloak.dpop.proofs.accepted").description("DPoP proofs accepted")
                .tag("endpoint", endpoint.label()).register(Metrics.globalRegistry).increment();
    }

    static void rejected(Endpoint endpoint, DPoPProofException.Reason reason) {
        Counter.builder("keycloak.dpop.proofs.rejected").description("DPoP proofs refused, by the check that refused them")
                .tag("endpoint", endpoint.label()).tag("reason", reason.name().toLowerCase(java.util.Locale.ROOT))
                .register(Metrics.globalRegistry).increment();
        if (reason == DPoPProofException.Reason.REPLAY) {
            Counter.builder("keycloak.dpop.replays.blocked").description("DPoP proofs refused as replays (jti reuse)")
                    .tag("endpoint", endpoint.label()).register(Metrics.globalRegistry).increment();
        }
    }

    static void nonceChallenge(Endpoint endpoint) {
        Counter.builder("keycloak.dpop.nonce.challenges").description("use_dpop_nonce answers, each with a fresh nonce")
                .tag("endpoint", endpoint.label()).register(Metrics.globalRegistry).increment();
    }
}
