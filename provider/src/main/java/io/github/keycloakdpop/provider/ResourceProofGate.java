package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.DPoPResourceCheck;
import io.github.keycloakdpop.core.DPoPResourceCheck.Credentials;
import io.github.keycloakdpop.core.DPoPResourceCheck.Refusal;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;
import java.util.List;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.representations.AccessToken;

/**
 * RFC 9449 §7 where Keycloak itself is the protected resource: userinfo (GET and POST) and the account REST API.
 * For an access token in the {@code Authorization} header it decides everything DPoP before Keycloak does: a bound
 * token needs the DPoP scheme, a proof with {@code ath} and the token's key; the DPoP scheme needs a bound token.
 * Refusals are {@code 401} with {@code invalid_token} or {@code invalid_dpop_proof} in a {@code WWW-Authenticate}
 * challenge (§7.1, §7.2). What passes here also passes Keycloak's own re-check ({@code DPoPUtil.withDPoPVerifier}),
 * which follows.
 *
 * <p>It runs before matching because the account API authenticates in a sub-resource locator, before the request
 * filters of the matched method would run.
 *
 * <p>Requests without credentials in the header are left to Keycloak (a POST to userinfo may carry the token in its
 * form body, which a request filter cannot read); {@link ResourceChallenges} completes those answers.
 */
@Provider
@PreMatching
@Priority(Priorities.AUTHENTICATION)
public class ResourceProofGate implements ContainerRequestFilter {

    @Context
    KeycloakSession session;

    @Override
    public void filter(ContainerRequestContext request) {
        List<String> authorization = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (authorization == null || authorization.isEmpty() || !ResourceEndpoints.isResource(request)) {
            return;
        }
        RealmModel realm = realm(request.getUriInfo().getPathSegments().get(1).getPath());
        if (realm == null) {
            return; // unknown realm: Keycloak answers 404 itself
        }
        DPoPResourceCheck check = ResourceEndpoints.check(session, realm);
        try {
            Credentials credentials = check.credentials(authorization);
            AccessToken token = ResourceEndpoints.activeAccessToken(session, realm, credentials.accessToken());
            if (token == null) {
                if (credentials.dpop()) {
                    throw check.invalidToken(credentials, "The access token is invalid, expired or not from this realm");
                }
                return; // a bearer token Keycloak refuses itself, for reasons that have nothing to do with DPoP
            }
            check.verify(credentials, request.getHeaders().get("DPoP"), request.getMethod(),
                    session.getContext().getUri().getAbsolutePath(), ResourceEndpoints.cnfJkt(token));
            ResourceEndpoints.clientRequirement(check, credentials, token, realm);
        } catch (Refusal refusal) {
            if (refusal.error() == null) {
                return; // no DPoP or Bearer credentials in the header: Keycloak looks further, then answers
            }
            session.setAttribute(ResourceEndpoints.REFUSED, Boolean.TRUE);
            request.abortWith(ResourceEndpoints.response(refusal, request));
        }
    }

    /**
     * Before matching, Keycloak has not resolved the realm yet. It resolves the same one from the same path segment
     * right after; doing it now lets the token be verified with the realm's keys and issuer URL.
     */
    private RealmModel realm(String name) {
        RealmModel realm = session.getContext().getRealm();
        if (realm == null) {
            realm = session.realms().getRealmByName(name);
            if (realm != null) {
                session.getContext().setRealm(realm);
            }
        }
        return realm;
    }
}
