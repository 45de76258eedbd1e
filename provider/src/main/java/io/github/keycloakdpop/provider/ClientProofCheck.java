package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.DPoPProofException.Reason;
import io.github.keycloakdpop.core.ProofPolicy;
import io.github.keycloakdpop.core.VerifiedProof;
import java.util.Set;
import java.util.TreeSet;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

/**
 * The client's part of the proof check. {@link ProofGate} checked the proof against the realm's policy before the
 * client was known; once Keycloak has authenticated it, the {@code dpop-policy} executors that apply to it may
 * narrow the algorithms and the proof window further.
 */
final class ClientProofCheck {

    /** Why the proof does not meet the client's policy. */
    record Refusal(Reason reason, String description) {
    }

    private ClientProofCheck() {
    }

    /** @return null when the request carried no verified proof or the proof meets the client's policy */
    static Refusal refusal(KeycloakSession session, ClientModel client) {
        VerifiedProof proof = (VerifiedProof) session.getAttribute(ProofGate.VERIFIED_PROOF);
        RealmModel realm = session.getContext().getRealm();
        if (proof == null || client == null || realm == null) {
            return null;
        }
        DPoPSettings lookup = DPoPPolicyLookup.of(session, client);
        ProofPolicy realmPolicy = session.getProvider(DPoPPolicyProvider.class).proofPolicy(realm);
        return refusal(proof, lookup.algorithms(), lookup.maxAgeSeconds(), lookup.clockSkewSeconds(), realmPolicy,
                KeycloakClock.INSTANCE.millis() / 1000);
    }

    static Refusal refusal(VerifiedProof proof, Set<String> algorithms, Integer maxAgeSeconds, Integer clockSkewSeconds,
                           ProofPolicy realmPolicy, long nowSeconds) {
        if (algorithms != null && !algorithms.contains(proof.alg())) {
            return new Refusal(Reason.JOSE_HEADER, algorithms.isEmpty()
                    ? "The DPoP policies of this client allow no proof algorithm in common"
                    : "DPoP proof algorithm " + proof.alg() + " is not allowed for this client; allowed: "
                            + String.join(", ", new TreeSet<>(algorithms)));
        }
        long skew = clockSkewSeconds != null ? clockSkewSeconds : realmPolicy.clockSkew().toSeconds();
        long maxAge = maxAgeSeconds != null ? maxAgeSeconds : realmPolicy.maxAge().toSeconds();
        if (proof.iat() > nowSeconds + skew) {
            return new Refusal(Reason.TIME, "DPoP proof iat is more than " + skew
                    + " s in the future for this client's policy");
        }
        if (proof.iat() < nowSeconds - maxAge - skew) {
            return new Refusal(Reason.TIME, "DPoP proof is older than this client's policy allows (" + maxAge
                    + " s, clock skew " + skew + " s)");
        }
        return null;
    }
}
