package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.DPoPNonces;
import io.github.keycloakdpop.core.ProofPolicy;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.provider.Provider;

/** The DPoP policy in force: proof checks for a realm, and who must use server nonces. */
public interface DPoPPolicyProvider extends Provider {

    /** Realm attribute: {@code off}, {@code clients} (those with {@value #CLIENT_NONCE}) or {@code always}. */
    String REALM_NONCE_MODE = "keycloak-dpop.nonce";
    /** Client attribute: "true" makes the client's proofs carry a server nonce when the realm mode is {@code clients}. */
    String CLIENT_NONCE = "dpop.nonce.required";

    ProofPolicy proofPolicy(RealmModel realm);

    /**
     * False for a realm the plugin leaves to Keycloak's built-in DPoP alone: no gate, no nonce, no response policy, no
     * error translation there (a realm-by-realm rollout; the baseline of the load benchmark, in the same server).
     */
    default boolean appliesTo(RealmModel realm) {
        return true;
    }

    /** Whether the plugin acts on this request: a realm is known and the plugin applies to it. */
    static boolean inForce(KeycloakSession session, RealmModel realm) {
        return realm != null && session.getProvider(DPoPPolicyProvider.class).appliesTo(realm);
    }

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
