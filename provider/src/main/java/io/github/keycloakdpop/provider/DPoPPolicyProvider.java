package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.DPoPNonces;
import io.github.keycloakdpop.core.ProofPolicy;
import org.keycloak.models.ClientModel;
import org.keycloak.models.RealmModel;
import org.keycloak.provider.Provider;

/** The DPoP policy in force: proof checks for a realm, and who must use server nonces. */
public interface DPoPPolicyProvider extends Provider {

    /** Realm attribute: {@code off}, {@code clients} (those with {@value #CLIENT_NONCE}) or {@code always}. */
    String REALM_NONCE_MODE = "keycloak-dpop.nonce";
    /** Client attribute: "true" makes the client's proofs carry a server nonce when the realm mode is {@code clients}. */
    String CLIENT_NONCE = "dpop.nonce.required";

    ProofPolicy proofPolicy(RealmModel realm);

    /** @param client the authenticated client, or null where Keycloak does not authenticate one */
    boolean nonceRequired(RealmModel realm, ClientModel client);

    DPoPNonces nonces();

    /**
     * Realm attribute: {@code off} or {@code always}, whether userinfo and the account API hold DPoP proofs to nonces
     * of their own (RFC 9449 §9); without it, the server-wide {@code resource-nonce} option decides.
     */
    String REALM_RESOURCE_NONCE_MODE = "keycloak-dpop.resource-nonce";

    boolean resourceNonceRequired(RealmModel realm);

    @Override
    default void close() {
    }
}
