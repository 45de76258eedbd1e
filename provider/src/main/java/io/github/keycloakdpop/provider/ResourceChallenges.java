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
import jakarta.ws.rs.ext.Provider;
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
 * <li>no credentials at all: a challenge for each scheme, {@code Bearer} and {@code DPoP algs="..."}, without an
 * error (RFC 9449 §7.1, §7.2; RFC 6750 §3.1). Keycloak names only Bearer.</li>
 * <li>a DPoP-bound token in the form body of a userinfo POST (a bearer token, RFC 6750 §2.2): Keycloak refuses it
 * with a generic description; the challenge says why.</li>
 * </ul>
 * The status and the decision stay Keycloak's.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class ResourceChallenges implements ContainerResponseFilter {

    @Context
    KeycloakSession session;

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        RealmModel realm = session.getContext().getRealm();
        if (response.getStatus() != 401 || realm == null || session.getAttribute(ResourceEndpoints.REFUSED) != null
                || !ResourceEndpoints.isResource(request)) {
            return;
        }
        Refusal refusal = refusal(ResourceEndpoints.check(session, realm), request, realm);
        if (refusal != null) {
            response.getHeaders().put(HttpHeaders.WWW_AUTHENTICATE, new ArrayList<>(refusal.wwwAuthenticate()));
        }
    }

    /** The answer Keycloak's 401 should carry, or null to keep Keycloak's. */
    private Refusal refusal(DPoPResourceCheck check, ContainerRequestContext request, RealmModel realm) {
        try {
            check.credentials(request.getHeaders().get(HttpHeaders.AUTHORIZATION));
            return null; // credentials in the header: everything DPoP about them was decided by the gate
        } catch (Refusal noCredentials) {
            // the gate let it through, so there are no DPoP or Bearer credentials in the header
        }
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
}
