package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.ProofPolicy;
import org.keycloak.models.RealmModel;
import org.keycloak.provider.Provider;

/** The proof policy in force for a realm. */
public interface DPoPPolicyProvider extends Provider {

    ProofPolicy proofPolicy(RealmModel realm);

    @Override
    default void close() {
    }
}
