package io.github.keycloakdpop.provider;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.ext.Provider;
import java.util.ArrayList;
import java.util.TreeSet;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.protocol.oidc.representations.OIDCConfigurationRepresentation;

/**
 * {@code dpop_signing_alg_values_supported} in the realm's OpenID and OAuth metadata lists exactly the algorithms the
 * realm accepts (Keycloak lists every algorithm it could verify, including ones the policy refuses).
 */
@Provider
@Priority(Priorities.USER)
public class DiscoveryMetadata implements ContainerResponseFilter {

    @Context
    KeycloakSession session;

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        RealmModel realm = session.getContext().getRealm();
        if (response.getEntity() instanceof OIDCConfigurationRepresentation metadata
                && metadata.getDpopSigningAlgValuesSupported() != null && DPoPPolicyProvider.inForce(session, realm)) {
            metadata.setDpopSigningAlgValuesSupported(new ArrayList<>(new TreeSet<>(
                    session.getProvider(DPoPPolicyProvider.class).proofPolicy(realm).allowedAlgorithms())));
        }
    }
}
