package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.DPoPNonces;
import io.github.keycloakdpop.core.VerifiedProof;
import java.util.List;
import java.util.stream.Stream;
import javax.crypto.SecretKey;
import org.keycloak.crypto.KeyUse;
import org.keycloak.crypto.KeyWrapper;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

/**
 * Server nonces: the authorization server's (RFC 9449 §8) for an authenticated client, and the resource endpoints'
 * (§9, userinfo and the account API). Decides whether a proof must carry a nonce, checks it, and says which
 * {@code DPoP-Nonce} to send. The two kinds have their own secrets (key providers {@code dpop-nonce-secret} and
 * {@code dpop-resource-nonce-secret}) and scopes, so a nonce of one is never accepted by the other. Only clients
 * that must use nonces are ever given one (RFC 9449 §11.3: a client given a nonce must then be held to it).
 */
final class NonceChallenge {

    static final String HEADER = "DPoP-Nonce";
    static final String USE_DPOP_NONCE = "use_dpop_nonce";

    /**
     * What to answer: {@code refusal} null lets the request through; {@code nonce} non-null goes in DPoP-Nonce, on a
     * success as on a refusal, with {@code Cache-Control: no-store} (RFC 9449 §8.2).
     */
    record Outcome(String refusal, String nonce) {
        static final Outcome NOTHING = new Outcome(null, null);
    }

    private NonceChallenge() {
    }

    /** @param client the authenticated client, or null where Keycloak skips client authentication */
    static Outcome check(KeycloakSession session, ClientModel client) {
        RealmModel realm = session.getContext().getRealm();
        VerifiedProof proof = (VerifiedProof) session.getAttribute(ProofGate.VERIFIED_PROOF);
        DPoPPolicyProvider policy = session.getProvider(DPoPPolicyProvider.class);
        if (realm == null || proof == null || !policy.nonceRequired(realm, client)) {
            return Outcome.NOTHING; // no proof, no nonce: whether a proof was needed is decided elsewhere
        }
        return check(session, realm, proof.nonce(), NonceSecretProviderFactory.ALGORITHM, realm.getId() + "/as",
                "Authorization server requires a nonce in the DPoP proof: use the one in the DPoP-Nonce header");
    }

    /** For a proof verified at userinfo or the account API, when the realm's policy holds them to nonces. */
    static Outcome atResource(KeycloakSession session, RealmModel realm, VerifiedProof proof) {
        if (!session.getProvider(DPoPPolicyProvider.class).resourceNonceRequired(realm)) {
            return Outcome.NOTHING;
        }
        return check(session, realm, proof.nonce(), NonceSecretProviderFactory.RESOURCE_ALGORITHM,
                realm.getId() + "/rs",
                "Resource server requires a nonce in the DPoP proof: use the one in the DPoP-Nonce header");
    }

    private static Outcome check(KeycloakSession session, RealmModel realm, String nonce, String algorithm,
                                 String scope, String missing) {
        List<byte[]> secrets = secrets(session, realm, algorithm);
        DPoPNonces nonces = session.getProvider(DPoPPolicyProvider.class).nonces();
        return switch (nonces.check(nonce, secrets, scope)) {
            // RFC 9449 §8.2: the current nonce on every success too, so that a client in regular use never needs a
            // failed round trip when the step rolls over (the same nonce throughout a step)
            case CURRENT, VALID_RENEW -> new Outcome(null, nonces.issue(secrets.get(0), scope));
            case INVALID -> new Outcome(nonce == null ? missing
                    : "DPoP proof nonce is not valid or has expired: use the one in the DPoP-Nonce header",
                    nonces.issue(secrets.get(0), scope));
        };
    }

    /** The realm's enabled nonce secrets of this kind, the active one first (Keycloak creates one if there is none). */
    private static List<byte[]> secrets(KeycloakSession session, RealmModel realm, String algorithm) {
        KeyWrapper active = session.keys().getActiveKey(realm, KeyUse.SIG, algorithm);
        return Stream.concat(Stream.of(active), session.keys().getKeysStream(realm, KeyUse.SIG, algorithm)
                        .filter(key -> !key.getKid().equals(active.getKid())))
                .map(key -> ((SecretKey) key.getSecretKey()).getEncoded()).toList();
    }
}
