package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.DPoPProofException;
import io.github.keycloakdpop.provider.keycloak.KeycloakInternals.Descriptions;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.core.Context;
import org.jboss.logging.Logger;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.OIDCAdvancedConfigWrapper;
import org.keycloak.representations.idm.OAuth2ErrorRepresentation;

/**
 * Gives the RFC 9449 error to the refusals that Keycloak's built-in DPoP code makes after client authentication.
 *
 * <p>Keycloak decides "this client requires DPoP" and the {@code dpop_jkt} bindings only once it has authenticated
 * the client, and there is no hook between that and its own checks; it answers them with {@code invalid_request}.
 * Deciding them before authentication would reveal a client's settings to anyone who names it, so instead this
 * filter rewrites those answers (same status, same decision) into {@code invalid_dpop_proof} with a description
 * that says what to do.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class KeycloakErrorTranslator implements ContainerResponseFilter {

    @Context
    KeycloakSession session;

    private static final Logger LOG = Logger.getLogger(KeycloakErrorTranslator.class);

    private static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    private static final String REFRESH_KEY_MISMATCH = Descriptions.KEY_MISMATCH;
    private static final String KEYCLOAK_REPLAY = Descriptions.REPLAY;

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (response.getStatus() != 400 || !(response.getEntity() instanceof OAuth2ErrorRepresentation error)
                || error.getErrorDescription() == null
                || !ProofGate.isProofEndpoint(request.getUriInfo().getPathSegments())
                || !DPoPPolicyProvider.inForce(session, session.getContext().getRealm())) {
            return;
        }
        if ("invalid_grant".equals(error.getError())
                && REFRESH_KEY_MISMATCH.equals(error.getErrorDescription())) {
            // Keycloak's refresh-token binding check; the plugin's own pinning answers invalid_dpop_proof, and so
            // does this, so that a client sees one error for one mistake
            response.setEntity(new OAuth2ErrorRepresentation("invalid_dpop_proof",
                    "The DPoP proof key is not the key the refresh token is bound to"));
            return;
        }
        if (!"invalid_request".equals(error.getError())) {
            return;
        }
        ClientModel client = session.getContext().getClient(); // set once Keycloak authenticated the client
        String description = rfcDescription(error.getErrorDescription(),
                session.getContext().getHttpRequest().getDecodedFormParameters().getFirst("grant_type"),
                client != null && OIDCAdvancedConfigWrapper.fromClientModel(client).isUseDPoP());
        if (KEYCLOAK_REPLAY.equals(error.getErrorDescription())) {
            // the loser of two requests racing with one proof, refused by Keycloak's own single-use insert
            DPoPMetrics.rejected(ProofGate.isPar(request.getUriInfo().getPathSegments()) ? DPoPMetrics.Endpoint.PAR
                    : DPoPMetrics.Endpoint.TOKEN, DPoPProofException.Reason.REPLAY);
        }
        if (description == null && error.getErrorDescription().startsWith("DPoP")) {
            // Keycloak's re-check refused a proof the gate accepted: a gap in the integration contract.
            LOG.warnf("Keycloak's built-in DPoP check refused a proof that keycloak-dpop accepted: %s",
                    error.getErrorDescription());
            description = "DPoP proof refused by Keycloak's built-in check";
        }
        if (description != null) {
            response.setEntity(new OAuth2ErrorRepresentation("invalid_dpop_proof", description));
        }
    }

    /** Keycloak's descriptions of its DPoP refusals ({@link Descriptions}), and ours; null for anything else. */
    static String rfcDescription(String keycloakDescription, String grantType, boolean clientRequiresDpop) {
        // In token exchange, "DPoP proof is missing" comes from the client's requirement if it has one (checked
        // first), else from a DPoP-bound subject token.
        if (TOKEN_EXCHANGE.equals(grantType)) {
            if (keycloakDescription.equals(Descriptions.KEY_MISMATCH)) {
                return "The DPoP proof key is not the key the subject token is bound to";
            }
            if (keycloakDescription.equals(Descriptions.PROOF_MISSING) && !clientRequiresDpop) {
                return "The subject token is DPoP-bound: send a DPoP proof of its key";
            }
        }
        return switch (keycloakDescription) {
            case Descriptions.PROOF_MISSING -> "This client requires DPoP-bound tokens: send a DPoP proof (RFC 9449 §5)";
            case Descriptions.CODE_PROOF_MISSING ->
                    "The authorization code is bound to a DPoP key (dpop_jkt): send a DPoP proof of that key";
            case Descriptions.CODE_KEY_MISMATCH ->
                    "The DPoP proof key is not the key the authorization code is bound to (dpop_jkt)";
            case KEYCLOAK_REPLAY -> DPoPProofException.replay().description();
            case Descriptions.PAR_KEY_MISMATCH ->
                    "The DPoP proof key does not match dpop_jkt of the same request (RFC 9449 §10.1)";
            default -> null;
        };
    }
}
