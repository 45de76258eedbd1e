package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.VerifiedProof;
import io.github.keycloakdpop.provider.keycloak.KeycloakInternals.Descriptions;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;
import java.lang.annotation.Annotation;
import org.jboss.logging.Logger;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.representations.AccessToken;
import org.keycloak.representations.idm.OAuth2ErrorRepresentation;
import org.keycloak.util.TokenUtil;

/**
 * DPoP at the logout and revocation endpoints, once Keycloak has authenticated the client and read the token.
 * <ul>
 * <li>Logout with a bound refresh token: Keycloak decides (its binding check, fed by {@link LogoutRevocationProofGate});
 * its {@code invalid_grant} refusals for a missing proof or a proof of another key become {@code invalid_dpop_proof}
 * with a description that says what to send.</li>
 * <li>Revocation of a refresh token bound to a public client's key: the key is that client's only sender constraint
 * (RFC 9449 §5), so revoking needs a proof of it, else {@code 400 invalid_dpop_proof}. Keycloak has revoked by then;
 * the refusal rolls its transaction back (Keycloak commits after all response filters), so the session stays.
 * Confidential clients authenticate, and their refresh tokens are not bound: nothing changes for them.</li>
 * </ul>
 * Access tokens are decided before Keycloak, in {@link LogoutRevocationProofGate}: Keycloak records a revoked access
 * token outside the transaction, so a refusal here could not undo it.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class LogoutRevocationPolicy implements ContainerResponseFilter {

    private static final Logger LOG = Logger.getLogger(LogoutRevocationPolicy.class);

    @Context
    KeycloakSession session;

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        String endpoint = "POST".equals(request.getMethod())
                ? LogoutRevocationProofGate.endpoint(request.getUriInfo().getPathSegments()) : null;
        if ("logout".equals(endpoint)) {
            translateLogoutRefusal(response);
        } else if ("revoke".equals(endpoint) && response.getStatus() == 200 && response.getEntity() == null) {
            String refusal = revocationRefusal(
                    session.getContext().getHttpRequest().getDecodedFormParameters().getFirst("token"));
            if (refusal != null) {
                LOG.debugf("Refused a revocation: %s", refusal);
                session.getTransactionManager().setRollbackOnly();
                refuse(response, refusal);
            }
        }
    }

    /** Keycloak's refresh-token binding refusals (TokenManager.verifyRefreshToken), with what to do. */
    private static void translateLogoutRefusal(ContainerResponseContext response) {
        if (response.getStatus() != 400 || !(response.getEntity() instanceof OAuth2ErrorRepresentation error)
                || !"invalid_grant".equals(error.getError()) || error.getErrorDescription() == null) {
            return;
        }
        String description = switch (error.getErrorDescription()) {
            case Descriptions.PROOF_MISSING -> "The refresh token is DPoP-bound: send a DPoP proof of its key";
            case Descriptions.KEY_MISMATCH ->
                    "The DPoP proof key is not the key the refresh token is bound to";
            default -> null;
        };
        if (description != null) {
            response.setEntity(new OAuth2ErrorRepresentation("invalid_dpop_proof", description));
        }
    }

    /** Null if the revocation Keycloak just made may stand. */
    private String revocationRefusal(String token) {
        AccessToken revoked = token == null ? null : session.tokens().decode(token, AccessToken.class);
        ClientModel client = session.getContext().getClient(); // the authenticated client
        String jkt = revoked == null || revoked.getConfirmation() == null ? null
                : revoked.getConfirmation().getKeyThumbprint();
        if (jkt == null || client == null || !client.isPublicClient() || !isRefreshToken(revoked)) {
            return null;
        }
        VerifiedProof proof = session.getAttribute(ProofGate.VERIFIED_PROOF, VerifiedProof.class);
        if (proof == null) {
            return "The refresh token is DPoP-bound: send a DPoP proof of its key to revoke it";
        }
        return jkt.equals(proof.jkt()) ? null : "The DPoP proof key is not the key the refresh token is bound to";
    }

    static boolean isRefreshToken(AccessToken token) {
        return TokenUtil.TOKEN_TYPE_REFRESH.equals(token.getType()) || TokenUtil.TOKEN_TYPE_OFFLINE.equals(token.getType());
    }

    private static void refuse(ContainerResponseContext response, String description) {
        response.setStatus(400);
        response.getHeaders().putSingle("Cache-Control", "no-store");
        response.setEntity(new OAuth2ErrorRepresentation("invalid_dpop_proof", description), new Annotation[0],
                MediaType.APPLICATION_JSON_TYPE);
    }
}
