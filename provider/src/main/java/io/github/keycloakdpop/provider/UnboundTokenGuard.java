package io.github.keycloakdpop.provider;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.ext.Provider;
import org.jboss.logging.Logger;
import org.keycloak.jose.jws.JWSInput;
import org.keycloak.jose.jws.JWSInputException;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.protocol.oidc.OIDCAdvancedConfigWrapper;
import org.keycloak.representations.AccessToken;
import org.keycloak.representations.AccessTokenResponse;

/**
 * The last line of "Require DPoP bound tokens": a token response for a client that requires DPoP is only let out when
 * its access token is DPoP-bound.
 *
 * <p>Keycloak enforces the client switch only in grants that authenticate the client before its DPoP check; the
 * UMA ticket and OID4VCI pre-authorized code grants skip that, and with the {@code dpop} feature disabled Keycloak
 * enforces nothing. Checking the response, whatever grant produced it, closes all of these at once.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class UnboundTokenGuard implements ContainerResponseFilter {

    private static final Logger LOG = Logger.getLogger(UnboundTokenGuard.class);

    @Context
    KeycloakSession session;

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (response.getStatus() != 200 || !(response.getEntity() instanceof AccessTokenResponse tokens)
                || tokens.getToken() == null || "DPoP".equalsIgnoreCase(tokens.getTokenType())) {
            return;
        }
        ClientModel client = issuedFor(tokens.getToken());
        if (client != null && OIDCAdvancedConfigWrapper.fromClientModel(client).isUseDPoP()) {
            LOG.debugf("Refused an unbound token response for client %s, which requires DPoP", client.getClientId());
            response.setStatus(400);
            response.setEntity(OAuthErrors.badRequest("invalid_dpop_proof",
                    "This client requires DPoP-bound tokens: send a DPoP proof (RFC 9449 §5)").getEntity());
        }
    }

    private ClientModel issuedFor(String accessToken) {
        RealmModel realm = session.getContext().getRealm();
        try {
            String azp = new JWSInput(accessToken).readJsonContent(AccessToken.class).getIssuedFor();
            return realm == null || azp == null ? null : realm.getClientByClientId(azp);
        } catch (JWSInputException e) {
            return null; // not a JWT: not an access token Keycloak issued
        }
    }
}
