package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.ProofPolicy;
import io.github.keycloakdpop.core.VerifiedProof;
import io.github.keycloakdpop.provider.keycloak.RequestView;
import java.util.List;
import org.keycloak.OAuth2Constants;
import org.keycloak.http.HttpRequest;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.OIDCAdvancedConfigWrapper;
import org.keycloak.representations.dpop.DPoP;
import org.keycloak.services.util.DPoPUtil;

/**
 * Hands a proof the token endpoint's gate verified to Keycloak, so that Keycloak does not verify it a second time.
 *
 * <p>Keycloak (26.4 to 26.7) re-verifies every proof at the token endpoint ({@code DPoPUtil.handleDPoPHeader}, after client
 * authentication), and no switch turns that off. It skips the check when the request has no {@code DPoP} header and
 * the client is not flagged "DPoP bound access tokens"; its binding (the {@code dpop} protocol mapper, refresh-token
 * and {@code dpop_jkt} checks) reads only the session's {@code dpop} attribute. So the gate puts the verified proof
 * there, as Keycloak's own check would, and replaces Keycloak's view of the request ({@link RequestView}) with this one: the same request, whose {@code DPoP} header is not shown once Keycloak has authenticated a client
 * that is not flagged. Everything else Keycloak reads is the original request.
 *
 * <p>The header stays visible, and Keycloak checks the proof as before, for a flagged client (its check demands a
 * header), before client authentication, for grants that authenticate no client (UMA, pre-authorized code), for
 * CIBA, where Keycloak's DPoP executor demands the header, and for a grant type of another extension, which would not
 * record the proof's single use. Where Keycloak does not check the proof, it does not
 * record its single use either: {@link #recordUse} makes Keycloak's entry for it, at the point where Keycloak would
 * have (after client authentication, so a proof sent with a wrong client secret is not used up, as in Keycloak).
 */
final class ProofHandOff extends RequestView {

    /** Session attribute set by the grant types of {@link DPoPGrantTypes}, which call {@link #recordUse}. */
    static final String GRANT_RECORDS_USE = "keycloak-dpop.grant-records-use";

    private final KeycloakSession session;
    /** The {@code dpop} attribute as handed over: Keycloak replaces it whenever it checks the proof itself. */
    private final DPoP handedOver;
    private boolean useRecorded;

    private ProofHandOff(HttpRequest request, KeycloakSession session, DPoP handedOver) {
        super(request);
        this.session = session;
        this.handedOver = handedOver;
    }

    /** Called by the token endpoint's gate once the proof passed every check and its single use is recorded. */
    static void handOff(KeycloakSession session, VerifiedProof proof) {
        DPoP handedOver = keycloakProof(proof);
        session.setAttribute(DPoPUtil.DPOP_SESSION_ATTRIBUTE, handedOver);
        RequestView.install(session, new ProofHandOff(session.getContext().getHttpRequest(), session, handedOver));
    }

    /**
     * For the token endpoint's grants, after client authentication: records the single use of a proof that Keycloak
     * did not check itself, under Keycloak's own key, for as long as the proof could be accepted.
     *
     * @return false if the proof was used before (a request racing with this one got past the gate with it)
     */
    static boolean recordUse(KeycloakSession session) {
        if (!(session.getContext().getHttpRequest() instanceof ProofHandOff handOff) || handOff.useRecorded
                || !handOff.proofHidden()
                || session.getAttribute(DPoPUtil.DPOP_SESSION_ATTRIBUTE) != handOff.handedOver) {
            // No proof handed over; or recorded already (a grant calling another, as UMA does); or Keycloak checked
            // and recorded it, having seen the header before it knew the client (UMA authenticates the client
            // inside the grant, after Keycloak's check)
            return true;
        }
        VerifiedProof proof = (VerifiedProof) session.getAttribute(ProofGate.VERIFIED_PROOF);
        ProofPolicy policy = session.getProvider(DPoPPolicyProvider.class).proofPolicy(session.getContext().getRealm());
        long acceptedUntil = proof.iat() + policy.maxAge().toSeconds() + policy.clockSkew().toSeconds();
        long ttl = Math.max(1, acceptedUntil - KeycloakClock.INSTANCE.millis() / 1000 + 1);
        if (!session.singleUseObjects().putIfAbsent(ProofGate.keycloakReplayKey(proof), ttl)) {
            return false;
        }
        handOff.useRecorded = true;
        DPoPMetrics.handedOff();
        return true;
    }

    /** What Keycloak's own proof check leaves in the session; its binding checks read only the thumbprint. */
    static DPoP keycloakProof(VerifiedProof proof) {
        DPoP dpop = new DPoP();
        dpop.id(proof.jti());
        dpop.iat(proof.iat());
        dpop.setHttpMethod(proof.htm());
        dpop.setHttpUri(proof.htu());
        dpop.setAccessTokenHash(proof.ath());
        dpop.setThumbprint(proof.jkt());
        return dpop;
    }

    /**
     * Decided when asked: the client is only known once Keycloak has authenticated it. Only for a grant type that
     * records the proof's single use in Keycloak's place (every built-in one but CIBA, wrapped by
     * {@link DPoPGrantTypes}).
     */
    private boolean proofHidden() {
        ClientModel client = session.getContext().getClient();
        return client != null && session.getAttribute(GRANT_RECORDS_USE) != null
                && !OIDCAdvancedConfigWrapper.fromClientModel(client).isUseDPoP();
    }

    private static boolean isDPoP(String name) {
        return OAuth2Constants.DPOP_HTTP_HEADER.equalsIgnoreCase(name);
    }

    @Override
    protected List<String> shown(String name, List<String> values) {
        return isDPoP(name) && proofHidden() ? null : values;
    }
}
