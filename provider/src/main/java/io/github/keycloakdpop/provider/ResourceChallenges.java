package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.DPoPResourceCheck;
import io.github.keycloakdpop.core.DPoPResourceCheck.Credentials;
import io.github.keycloakdpop.core.DPoPResourceCheck.Refusal;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;
import org.keycloak.OAuth2Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.representations.AccessToken;

/**
 * Completes Keycloak's own {@code 401} answers at userinfo and the account API where {@link ResourceProofGate} could
 * not decide before Keycloak:
 * <ul>
 * <li>credentials in the header that Keycloak refused before any request filter ran (the account API authenticates
 * in a sub-resource locator): if the reason is DPoP, the answer becomes the plugin's, with its RFC 9449 §7.1 error;
 * Keycloak's own says only "HTTP 401 Unauthorized". A token Keycloak cannot even parse there (no {@code alg}) makes
 * it fail with a 500; that becomes {@code 401 invalid_token}.</li>
 * <li>no credentials at all: a challenge for each scheme, {@code DPoP algs="..."} and {@code Bearer}, without an
 * error (RFC 9449 §7.1, §7.2; RFC 6750 §3.1). Keycloak names only Bearer.</li>
 * <li>a DPoP-bound token in the form body of a userinfo POST (a bearer token, RFC 6750 §2.2): Keycloak refuses it
 * with a generic description; the challenge says why.</li>
 * </ul>
 * The refusal itself stays Keycloak's. On a request {@link ResourceProofGate} let through with a nonce that is still
 * valid but old, it adds the newer nonce to the answer ({@code DPoP-Nonce}, RFC 9449 §9).
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class ResourceChallenges implements ContainerResponseFilter {

    @Context
    KeycloakSession session;

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        Object renewed = session.getAttribute(ResourceEndpoints.RENEWED_NONCE);
        if (renewed != null) {
            // RFC 9449 §9: the current resource nonce on every success, uncacheable
            response.getHeaders().putSingle(NonceChallenge.HEADER, renewed);
            response.getHeaders().putSingle("Cache-Control", "no-store");
        }
        RealmModel realm = session.getContext().getRealm();
        int status = response.getStatus();
        if ((status != 401 && status != 500) || session.getAttribute(ResourceEndpoints.REFUSED) != null
                || !ResourceEndpoints.isResource(request) || !DPoPPolicyProvider.inForce(session, realm)) {
            return;
        }
        DPoPResourceCheck check = ResourceEndpoints.check(session, realm);
        if (ResourceEndpoints.hasHeaderCredentials(check, request.getHeaders().get(HttpHeaders.AUTHORIZATION))) {
            // The account API authenticates in a sub-resource locator, before the gate: say why it refused, if that
            // is the plugin's business. If the gate ran, it had nothing against them: Keycloak's reasons are its own.
            ResourceEndpoints.Decision decision = session.getAttribute(ResourceEndpoints.CHECKED) != null
                    ? ResourceEndpoints.Decision.PASS : ResourceEndpoints.decide(session, realm, request);
            if (decision.refusal() != null) {
                replace(response, ResourceEndpoints.response(decision, request));
            }
            return;
        }
        if (status != 401) {
            return;
        }
        Refusal refusal = withoutHeaderCredentials(check, request, realm);
        if (refusal != null) {
            response.getHeaders().put(HttpHeaders.WWW_AUTHENTICATE, new ArrayList<>(refusal.wwwAuthenticate()));
        }
    }

    /** The challenges for a request whose only token, if any, is in the form body; null to keep Keycloak's. */
    private Refusal withoutHeaderCredentials(DPoPResourceCheck check, ContainerRequestContext request, RealmModel realm) {
        String formToken = formAccessToken(request);
        if (formToken == null) {
            return check.noCredentials();
        }
        AccessToken token = ResourceEndpoints.activeAccessToken(session, realm, formToken);
        if (token == null) {
            return null; // invalid for reasons that have nothing to do with DPoP
        }
        try {
            Credentials bearer = new Credentials("Bearer", formToken);
            check.verify(bearer, List.of(), request.getMethod(), session.getContext().getUri().getAbsolutePath(),
                    ResourceEndpoints.cnfJkt(token));
            ResourceEndpoints.clientRequirement(check, bearer, token, realm);
            return null;
        } catch (Refusal refusal) {
            return refusal;
        }
    }

    /** The access_token form parameter of a userinfo POST; Keycloak has read the form by now. */
    private String formAccessToken(ContainerRequestContext request) {
        if (!"POST".equals(request.getMethod()) || !ResourceEndpoints.isUserinfo(request.getUriInfo().getPathSegments())) {
            return null;
        }
        return session.getContext().getHttpRequest().getDecodedFormParameters().getFirst(OAuth2Constants.ACCESS_TOKEN);
    }

    private static void replace(ContainerResponseContext response, Response ours) {
        response.setStatus(ours.getStatus());
        ours.getHeaders().forEach((name, values) -> response.getHeaders().put(name, new ArrayList<>(values)));
        response.setEntity(ours.getEntity(), new Annotation[0], ours.getMediaType());
    }
}
