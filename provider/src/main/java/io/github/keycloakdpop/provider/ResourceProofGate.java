package io.github.keycloakdpop.provider;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;
import java.util.List;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

/**
 * RFC 9449 §7 where Keycloak itself is the protected resource: userinfo (GET and POST) and the account REST API.
 * For an access token in the {@code Authorization} header it decides everything DPoP before Keycloak's resource
 * method runs: a bound token needs the DPoP scheme, a proof with {@code ath} and the token's key; the DPoP scheme
 * needs a bound token; a token that is not an active access token of the realm is {@code invalid_token} with either
 * scheme; where the realm says so, the proof carries a nonce of the resource endpoints (§9). Refusals are
 * {@code 401} with {@code invalid_token}, {@code invalid_dpop_proof} or {@code use_dpop_nonce} (and a
 * {@code DPoP-Nonce}) in a {@code WWW-Authenticate} challenge (§7.1, §7.2, §9), {@code 400 invalid_request} for a
 * malformed header; each is counted and recorded as a Keycloak event. What passes here also passes Keycloak's own
 * re-check ({@code DPoPUtil.withDPoPVerifier}).
 *
 * <p>Two cases are completed by {@link ResourceChallenges} after Keycloak answered: requests without credentials in
 * the header (a POST to userinfo may carry the token in its form body, which a request filter cannot read), and the
 * account API, which authenticates in a sub-resource locator, before any request filter runs; this gate then only
 * adds the plugin's stricter checks to what Keycloak accepted, before the account API acts.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class ResourceProofGate implements ContainerRequestFilter {

    @Context
    KeycloakSession session;

    @Override
    public void filter(ContainerRequestContext request) {
        List<String> authorization = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        RealmModel realm = session.getContext().getRealm();
        if (authorization == null || authorization.isEmpty() || !ResourceEndpoints.isResource(request)
                || !DPoPPolicyProvider.inForce(session, realm)) {
            return;
        }
        session.setAttribute(ResourceEndpoints.CHECKED, Boolean.TRUE);
        ResourceEndpoints.Decision decision = ResourceEndpoints.decide(session, realm, request);
        if (decision.refusal() != null) {
            session.setAttribute(ResourceEndpoints.REFUSED, Boolean.TRUE);
            request.abortWith(ResourceEndpoints.response(decision, request));
        } else if (decision.nonce() != null) {
            session.setAttribute(ResourceEndpoints.RENEWED_NONCE, decision.nonce()); // ResourceChallenges sends it
        }
    }
}
