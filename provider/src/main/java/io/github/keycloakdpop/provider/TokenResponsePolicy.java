package io.github.keycloakdpop.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.ext.Provider;
import java.io.IOException;
import java.util.Base64;
import org.jboss.logging.Logger;
import org.keycloak.OAuth2Constants;
import org.keycloak.models.AuthenticatedClientSessionModel;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.oidc.OIDCAdvancedConfigWrapper;
import org.keycloak.representations.AccessTokenResponse;
import org.keycloak.representations.IDToken;
import org.keycloak.representations.JsonWebToken;
import org.keycloak.util.JsonSerialization;
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
        if (!DPoPPolicyProvider.inForce(session, realm)) {
            return;
        }
        IssuedClaims accessToken = IssuedClaims.of(tokens.getToken());
        String issuedFor = accessToken == null ? null : accessToken.azp();
        ClientModel client = realm == null || issuedFor == null ? null : realm.getClientByClientId(issuedFor);
        if (client == null) {
            return; // not a token Keycloak issued as a JWT (e.g. encrypted): nothing to decide on
        }
        String jkt = accessToken.jkt();
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
        IssuedClaims token = refreshToken == null ? null : IssuedClaims.of(refreshToken);
        String sessionId = token == null ? null : token.sessionId();
        if (sessionId == null) {
            return null;
        }
        UserSessionModel userSession = TokenUtil.TOKEN_TYPE_OFFLINE.equals(token.typ())
                ? session.sessions().getOfflineUserSession(realm, sessionId)
                : session.sessions().getUserSession(realm, sessionId);
        return userSession == null ? null : userSession.getAuthenticatedClientSessionByClient(client.getId());
    }

    /**
     * The few claims this filter decides on, from a token Keycloak itself just issued (not re-verified: the signature
     * is Keycloak's own). Read with Jackson's streaming parser, everything else skipped: in a load-run profile,
     * binding Keycloak's token classes cost about as much as the plugin's whole proof check, and a JSON tree of the
     * whole token was still visible.
     *
     * @param sessionId {@code sid}, or {@code session_state} in tokens of older Keycloak versions (as
     *                  {@code RefreshToken.getSessionId()})
     */
    record IssuedClaims(String azp, String jkt, String sessionId, String typ) {

        /** Null for anything but a JWS with a JSON object payload (e.g. an encrypted token). */
        static IssuedClaims of(String jwt) {
            int first = jwt.indexOf('.');
            int second = first < 0 ? -1 : jwt.indexOf('.', first + 1);
            if (second < 0 || jwt.indexOf('.', second + 1) >= 0) {
                return null;
            }
            byte[] payload;
            try {
                payload = Base64.getUrlDecoder().decode(jwt.substring(first + 1, second));
            } catch (IllegalArgumentException e) {
                return null;
            }
            try (JsonParser parser = JsonSerialization.mapper.getFactory().createParser(payload)) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                String azp = null;
                String jkt = null;
                String sid = null;
                String sessionState = null;
                String typ = null;
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    JsonToken value = parser.nextToken();
                    switch (name) {
                        case JsonWebToken.AZP -> azp = text(parser, value);
                        case IDToken.SESSION_ID -> sid = text(parser, value);
                        case IDToken.SESSION_STATE -> sessionState = text(parser, value);
                        case "typ" -> typ = text(parser, value);
                        case "cnf" -> jkt = jkt(parser, value);
                        default -> parser.skipChildren();
                    }
                }
                return new IssuedClaims(azp, jkt, sid != null ? sid : sessionState, typ);
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        private static String text(JsonParser parser, JsonToken value) throws IOException {
            if (value == JsonToken.VALUE_STRING) {
                return parser.getText();
            }
            parser.skipChildren();
            return null;
        }

        /** RFC 7800 {@code cnf}, RFC 9449 §6.1 {@code jkt}. */
        private static String jkt(JsonParser parser, JsonToken value) throws IOException {
            if (value != JsonToken.START_OBJECT) {
                parser.skipChildren();
                return null;
            }
            String jkt = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken member = parser.nextToken();
                if ("jkt".equals(name)) {
                    jkt = text(parser, member);
                } else {
                    parser.skipChildren();
                }
            }
            return jkt;
        }
    }
}
