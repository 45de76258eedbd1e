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
 * Authorization-server nonces (RFC 9449 §8) for an authenticated client: decides whether its proof must carry a
 * nonce, checks it, and says which {@code DPoP-Nonce} to send. Only clients that must use nonces are ever given one
 * (RFC 9449 §11.3: a client given a nonce must then be held to it).
 */
final class NonceChallenge {

    static final String HEADER = "DPoP-Nonce";
    static final String USE_DPOP_NONCE = "use_dpop_nonce";

    /** What to answer: {@code refusal} null lets the request through; {@code nonce} non-null goes in DPoP-Nonce. */
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
        String scope = realm.getId() + "/as";
        KeyWrapper active = session.keys().getActiveKey(realm, KeyUse.SIG, NonceSecretProviderFactory.ALGORITHM);
        List<byte[]> secrets = Stream.concat(Stream.of(active), session.keys()
                        .getKeysStream(realm, KeyUse.SIG, NonceSecretProviderFactory.ALGORITHM)
                        .filter(key -> !key.getKid().equals(active.getKid())))
                .map(key -> ((SecretKey) key.getSecretKey()).getEncoded()).toList();
        DPoPNonces nonces = policy.nonces();
        return switch (nonces.check(proof.nonce(), secrets, scope)) {
            case CURRENT -> Outcome.NOTHING;
            case VALID_RENEW -> new Outcome(null, nonces.issue(secrets.get(0), scope));
            case INVALID -> new Outcome(proof.nonce() == null
                    ? "Authorization server requires a nonce in the DPoP proof: use the one in the DPoP-Nonce header"
                    : "DPoP proof nonce is not valid or has expired: use the one in the DPoP-Nonce header",
                    nonces.issue(secrets.get(0), scope));
        };
    }
}
