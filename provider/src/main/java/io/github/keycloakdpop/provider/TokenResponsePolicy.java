package io.github.keycloakdpop.provider;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.ext.Provider;
import org.jboss.logging.Logger;
import org.keycloak.OAuth2Constants;
import org.keycloak.jose.jws.JWSInput;
import org.keycloak.jose.jws.JWSInputException;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.oidc.OIDCAdvancedConfigWrapper;
import org.keycloak.representations.AccessToken;
import org.keycloak.representations.AccessTokenResponse;
import org.keycloak.representations.RefreshToken;
import org.keycloak.util.TokenUtil;

/**
 * The per-client DPoP rules, applied to every successful token response whatever grant produced it, after Keycloak
 * authenticated the client (RFC 9449 §5):
 * <ul>
 * <li>a bound token is announced as {@code token_type: DPoP};</li>
 * <li>a client that requires DPoP never receives an unbound token (Keycloak skips its own check in the UMA ticket
 * and OID4VCI pre-authorized code grants, and in every grant when its {@code dpop} feature is disabled);</li>
 * <li>the thumbprint is recorded on the client session (note {@value #JKT_NOTE}) when a new authorization issues
 * its first bound token;</li>
 * <li>a refresh of a client session with a recorded thumbprint must come with a proof (no downgrade to Bearer), of
 * the recorded key for public clients always and for confidential clients when the realm pins them.</li>
 * </ul>
 * A refusal rolls back Keycloak's transaction (Keycloak commits after all response filters), so a refused request
 * leaves no new session state behind.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class TokenResponsePolicy implements ContainerResponseFilter {

    /** Client-session note holding the RFC 7638 thumbprint the client session is bound to. */
    public static final String JKT_NOTE = "dpop.jkt";
    /** Realm attribute: "true" pins confidential clients' refreshes to the recorded key too. */
    public static final String PIN_CONFIDENTIAL_CLIENTS = "keycloak-dpop.pin-confidential-clients";

    private static final Logger LOG = Logger.getLogger(TokenResponsePolicy.class);

    @Context
    KeycloakSession session;

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (response.getStatus() != 200 || !(response.getEntity() instanceof AccessTokenResponse tokens)
                || tokens.getToken() == null) {
            return;
        }
        RealmModel realm = session.getContext().getRealm();
        AccessToken accessToken = read(tokens.getToken(), AccessToken.class);
        ClientModel client = realm == null || accessToken == null || accessToken.getIssuedFor() == null ? null
                : realm.getClientByClientId(accessToken.getIssuedFor());
        if (client == null) {
            return; // not a token Keycloak issued as a JWT (e.g. encrypted): nothing to decide on
        }
        String jkt = accessToken.getConfirmation() == null ? null : accessToken.getConfirmation().getKeyThumbprint();
        if (jkt != null && !"DPoP".equals(tokens.getTokenType())) {
            tokens.setTokenType("DPoP"); // RFC 9449 §5; Keycloak 26.7.3 says "Bearer" for every UMA token
        }
        String refusal = refusal(realm, client, jkt, tokens.getRefreshToken(),
                session.getContext().getHttpRequest().getDecodedFormParameters().getFirst(OAuth2Constants.GRANT_TYPE));
        if (refusal != null) {
            LOG.debugf("Refused a token response for client %s: %s", client.getClientId(), refusal);
            RejectionEvents.emit(session, false, "invalid_dpop_proof", refusal);
            session.getTransactionManager().setRollbackOnly();
            response.setStatus(400);
            response.setEntity(OAuthErrors.badRequest("invalid_dpop_proof", refusal).getEntity());
        }
    }

    private String refusal(RealmModel realm, ClientModel client, String jkt, String refreshToken, String grantType) {
        if (jkt == null && OIDCAdvancedConfigWrapper.fromClientModel(client).isUseDPoP()) {
            return session.getAttribute(ProofGate.VERIFIED_PROOF) == null
                    ? "This client requires DPoP-bound tokens: send a DPoP proof (RFC 9449 §5)"
                    : "This server cannot bind tokens to DPoP keys (Keycloak's dpop feature is disabled), "
                            + "and this client requires DPoP-bound tokens";
        }
        AuthenticatedClientSessionModel clientSession = clientSession(realm, client, refreshToken);
        if (clientSession == null) {
            return null; // no refresh token, no session to pin (e.g. client_credentials)
        }
        String recorded = clientSession.getNote(JKT_NOTE);
        boolean refresh = OAuth2Constants.REFRESH_TOKEN.equals(grantType);
        if (recorded == null || !refresh) {
            // The first bound token of a client session, or a new authorization (e.g. a second code flow in the
            // same SSO session), binds the client session to the key of that token.
            if (jkt != null && !jkt.equals(recorded)) {
                clientSession.setNote(JKT_NOTE, jkt);
            }
            return null;
        }
        if (jkt == null) {
            return "The tokens of this session are DPoP-bound: send a DPoP proof to refresh them";
        }
        if (pinned(realm, client) && !recorded.equals(jkt)) {
            return "The DPoP proof key is not the key this session is bound to";
        }
        return null;
    }

    private boolean pinned(RealmModel realm, ClientModel client) {
        return client.isPublicClient() || Boolean.parseBoolean(realm.getAttribute(PIN_CONFIDENTIAL_CLIENTS))
                || DPoPPolicyLookup.of(session, client).pinConfidentialClients();
    }

    private AuthenticatedClientSessionModel clientSession(RealmModel realm, ClientModel client, String refreshToken) {
        RefreshToken token = refreshToken == null ? null : read(refreshToken, RefreshToken.class);
        if (token == null || token.getSessionId() == null) {
            return null;
        }
        UserSessionModel userSession = TokenUtil.TOKEN_TYPE_OFFLINE.equals(token.getType())
                ? session.sessions().getOfflineUserSession(realm, token.getSessionId())
                : session.sessions().getUserSession(realm, token.getSessionId());
        return userSession == null ? null : userSession.getAuthenticatedClientSessionByClient(client.getId());
    }

    /** Reads a token Keycloak itself just issued (its signature is Keycloak's own, so it is not re-verified). */
    private static <T> T read(String jwt, Class<T> type) {
        try {
            return new JWSInput(jwt).readJsonContent(type);
        } catch (JWSInputException | RuntimeException e) {
            return null;
        }
    }
}
