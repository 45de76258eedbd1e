package io.github.keycloakdpop.provider;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.ext.Provider;
import org.keycloak.models.KeycloakSession;

/**
 * The client's proof policy and nonces at the pushed-authorization endpoint. Keycloak authenticates the client inside the PAR endpoint, so the
 * nonce requirement is applied to its answer: a refused request is rolled back, and the request URI it stored is
 * never handed out (it expires unused).
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class ParNonceFilter implements ContainerResponseFilter {

    @Context
    KeycloakSession session;

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (response.getStatus() != 201 || !ProofGate.isPar(request.getUriInfo().getPathSegments())
                || !DPoPPolicyProvider.inForce(session, session.getContext().getRealm())) {
            return;
        }
        ClientProofCheck.Refusal refusal = ClientProofCheck.refusal(session, session.getContext().getClient());
        if (refusal != null) {
            DPoPMetrics.rejected(DPoPMetrics.Endpoint.PAR, refusal.reason());
            RejectionEvents.emit(session, true, OAuthErrors.INVALID_DPOP_PROOF, refusal.description());
            session.getTransactionManager().setRollbackOnly();
            response.setStatus(400);
            response.setEntity(OAuthErrors.badRequest(OAuthErrors.INVALID_DPOP_PROOF, refusal.description()).getEntity());
            return;
        }
        NonceChallenge.Outcome outcome = NonceChallenge.check(session, session.getContext().getClient());
        if (outcome.nonce() != null) {
            response.getHeaders().putSingle(NonceChallenge.HEADER, outcome.nonce());
            response.getHeaders().putSingle("Cache-Control", "no-store"); // RFC 9449 §8.2
        }
        if (outcome.refusal() != null) {
            DPoPMetrics.nonceChallenge(DPoPMetrics.Endpoint.PAR);
            RejectionEvents.emit(session, true, NonceChallenge.USE_DPOP_NONCE, outcome.refusal());
            session.getTransactionManager().setRollbackOnly();
            response.setStatus(400);
            response.setEntity(OAuthErrors.badRequest(NonceChallenge.USE_DPOP_NONCE, outcome.refusal()).getEntity());
        }
    }
}
