package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.provider.keycloak.CanonicalDPoPScheme;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.PathSegment;
import jakarta.ws.rs.ext.Provider;
import java.util.List;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

/**
 * At userinfo and the account API, a {@code DPoP} scheme spelled otherwise ({@code dpop}, {@code DPOP}: schemes are
 * case-insensitive, RFC 9110 §11.1) is written {@code DPoP} before anything reads it, so that Keycloak before 26.7,
 * which compares it case-sensitively, accepts what the plugin accepts ({@link CanonicalDPoPScheme}). Before resource
 * matching, because Keycloak reads the header while it locates those resources, before any other request filter.
 */
@Provider
@PreMatching
@Priority(Priorities.AUTHENTICATION)
public class SchemeSpelling implements ContainerRequestFilter {

    @Context
    KeycloakSession session;

    @Override
    public void filter(ContainerRequestContext request) {
        List<String> authorization = request.getHeaders().get("Authorization");
        if (authorization == null || !CanonicalDPoPScheme.needed(authorization)) {
            return; // every client that writes DPoP, or Bearer, stops here
        }
        List<PathSegment> path = request.getUriInfo().getPathSegments();
        if (!ResourceEndpoints.isUserinfo(path) && !ResourceEndpoints.isAccount(path)) {
            return;
        }
        RealmModel realm = session.realms().getRealmByName(path.get(1).getPath());
        if (DPoPPolicyProvider.inForce(session, realm)) {
            CanonicalDPoPScheme.canonicalize(request.getHeaders());
        }
    }
}
