package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.DPoPProofException;
import io.github.keycloakdpop.core.ProofRequest;
import io.github.keycloakdpop.core.VerifiedProof;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.PathSegment;
import jakarta.ws.rs.ext.Provider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.representations.AccessToken;
import org.keycloak.services.util.DPoPUtil;

/**
 * The proof a public client sends with its DPoP-bound refresh token to the logout endpoint (refresh-token logout)
 * and to the revocation endpoint. Keycloak 26.7.3 verifies no proof at either: its logout then always fails for a
 * bound refresh token ("DPoP proof is missing", Keycloak issue #50306, because {@code LogoutEndpoint} never calls
 * {@code DPoPUtil.handleDPoPHeader} before {@code TokenManager.verifyRefreshToken} checks the binding), and its
 * revocation ignores the binding.
 *
 * <p>This gate verifies the proof as the token endpoint's gate does (RFC 9449 §4.3, no {@code ath}: these are
 * authorization server endpoints), refuses a bad one with {@code invalid_dpop_proof}, and hands a good one to
 * Keycloak the way its own check would have: as the session's {@code dpop} attribute, which Keycloak's refresh-token
 * binding check reads. {@link LogoutRevocationPolicy} decides the rest once the token and the client are known.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class LogoutRevocationProofGate implements ContainerRequestFilter {

    @Context
    KeycloakSession session;

    @Override
    public void filter(ContainerRequestContext request) {
        String endpoint = "POST".equals(request.getMethod()) ? endpoint(request.getUriInfo().getPathSegments()) : null;
        RealmModel realm = session.getContext().getRealm();
        if (endpoint == null || !DPoPPolicyProvider.inForce(session, realm)) {
            return;
        }
        List<String> dpop = request.getHeaders().get("DPoP");
        if (dpop != null && !dpop.isEmpty()) {
            try {
                // RFC 9449 alone: Keycloak checks no proof at logout and revocation, so htu needs no literal spelling
                VerifiedProof proof = ProofGate.verifier(session.getProvider(DPoPPolicyProvider.class)
                        .proofPolicy(realm).withLiteralHtu(false), ProofGate.singleUse(session)).verify(new ProofRequest(dpop,
                        request.getMethod(), session.getContext().getUri().getAbsolutePath(), null, realm.getName()));
                session.setAttribute(ProofGate.VERIFIED_PROOF, proof);
                ProofSignatures.remember(session, dpop.get(0), proof);
                session.setAttribute(DPoPUtil.DPOP_SESSION_ATTRIBUTE, ProofHandOff.keycloakProof(proof));
            } catch (DPoPProofException e) {
                request.abortWith(OAuthErrors.badRequest(e.error(), e.description()));
                return;
            }
        }
        if ("revoke".equals(endpoint)) {
            String refusal = accessTokenRevocationRefusal(request, realm);
            if (refusal != null) {
                request.abortWith(OAuthErrors.badRequest(OAuthErrors.INVALID_DPOP_PROOF, refusal));
            }
        }
    }

    /**
     * Revoking an access token bound to a public client's key needs a proof of that key, as revoking its refresh
     * token does ({@link LogoutRevocationPolicy}). Keycloak records a revoked access token outside its transaction,
     * so this is decided here, before Keycloak reads the form: the body is read and handed on unchanged. Only a token
     * whose signature Keycloak verifies counts; anything else is left to Keycloak.
     */
    private String accessTokenRevocationRefusal(ContainerRequestContext request, RealmModel realm) {
        byte[] body;
        try {
            body = request.getEntityStream().readAllBytes();
        } catch (IOException e) {
            return null; // Keycloak will fail to read it too, and say so
        }
        request.setEntityStream(new ByteArrayInputStream(body));
        String token = RejectionEvents.readForm(new ByteArrayInputStream(body), body.length).get("token");
        AccessToken decoded = token == null ? null : session.tokens().decode(token, AccessToken.class);
        String jkt = decoded == null || decoded.getConfirmation() == null ? null
                : decoded.getConfirmation().getKeyThumbprint();
        if (jkt == null || LogoutRevocationPolicy.isRefreshToken(decoded) || decoded.getIssuedFor() == null) {
            return null;
        }
        ClientModel client = realm.getClientByClientId(decoded.getIssuedFor());
        if (client == null || !client.isPublicClient()) {
            return null;
        }
        VerifiedProof proof = session.getAttribute(ProofGate.VERIFIED_PROOF, VerifiedProof.class);
        if (proof == null) {
            return "The access token is DPoP-bound to a public client's key: send a DPoP proof of its key to revoke it";
        }
        return jkt.equals(proof.jkt()) ? null : "The DPoP proof key is not the key the access token is bound to";
    }

    /** "logout" or "revoke" for realms/{realm}/protocol/openid-connect/{logout,revoke}, else null. */
    static String endpoint(List<PathSegment> path) {
        if (path.size() != 5 || !"realms".equals(path.get(0).getPath()) || !"protocol".equals(path.get(2).getPath())
                || !"openid-connect".equals(path.get(3).getPath())) {
            return null;
        }
        String last = path.get(4).getPath();
        return "logout".equals(last) || "revoke".equals(last) ? last : null;
    }
}
