package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.ProofPolicy;
import java.util.HashSet;
import java.util.Set;
import org.keycloak.models.KeycloakSession;
import org.keycloak.services.util.DPoPUtil;

/**
 * The proof policy in force for a request. Until realm policies are configurable, every realm uses
 * {@link ProofPolicy#defaults()}, narrowed to the algorithms Keycloak's own re-check can verify: accepting an
 * algorithm Keycloak cannot verify would end in its {@code invalid_request} instead of our error.
 */
final class RealmPolicies {

    private static volatile ProofPolicy defaults;

    private RealmPolicies() {
    }

    static ProofPolicy policy(KeycloakSession session) {
        ProofPolicy policy = defaults;
        if (policy == null) {
            Set<String> algs = new HashSet<>(ProofPolicy.defaults().allowedAlgorithms());
            algs.retainAll(DPoPUtil.getDPoPSupportedAlgorithms(session));
            defaults = policy = ProofPolicy.defaults().withAllowedAlgorithms(algs);
        }
        return policy;
    }
}
