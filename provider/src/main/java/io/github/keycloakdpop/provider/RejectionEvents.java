package io.github.keycloakdpop.provider;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.grants.OAuth2GrantType;

/**
 * A Keycloak event for each request the plugin refuses (error {@code invalid_dpop_proof} or {@code use_dpop_nonce},
 * at userinfo and the account API also {@code invalid_token}; detail {@code reason}, the client), so that refusals
 * show in the admin console's Events like Keycloak's own.
 */
final class RejectionEvents {

    private RejectionEvents() {
    }

    /** For refusals made once Keycloak has read the request's form (response filters). */
    static void emit(KeycloakSession session, boolean par, String error, String reason) {
        emit(session, par, error, reason, session.getContext().getHttpRequest().getDecodedFormParameters()::getFirst);
    }

    /**
     * @param form the request's form parameters; a request filter reads them itself, since Keycloak parses the form
     *             only after the request filters ran
     */
    static void emit(KeycloakSession session, boolean par, String error, String reason,
                     Function<String, String> form) {
        EventType type = par ? EventType.PUSHED_AUTHORIZATION_REQUEST : grantEventType(session, form.apply("grant_type"));
        EventBuilder event = event(session, type, reason);
        String clientId = clientId(session, form.apply("client_id"));
        if (clientId != null) {
            event.client(clientId);
        }
        event.error(error);
    }

    /**
     * For a refusal at userinfo ({@code USER_INFO_REQUEST_ERROR}, as Keycloak records its own there) or the account
     * API ({@code VALIDATE_ACCESS_TOKEN_ERROR}: Keycloak records nothing when it refuses an account API token, and
     * this is its one event type for a refused access token).
     *
     * @param clientId the client of the access token, only once its signature verified; else null
     * @param userId   the token's subject, on the same terms
     */
    @SuppressWarnings("deprecation") // VALIDATE_ACCESS_TOKEN: no other event type says "access token refused"
    static void emitAtResource(KeycloakSession session, boolean userinfo, String error, String reason,
                               String clientId, String userId) {
        EventBuilder event = event(session, userinfo ? EventType.USER_INFO_REQUEST : EventType.VALIDATE_ACCESS_TOKEN,
                reason);
        if (clientId != null) {
            event.client(clientId);
        }
        if (userId != null) {
            event.user(userId);
        }
        event.error(error);
    }

    private static EventBuilder event(KeycloakSession session, EventType type, String reason) {
        return new EventBuilder(session.getContext().getRealm(), session, session.getContext().getConnection())
                .event(type).detail(Details.REASON, reason);
    }

    private static EventType grantEventType(KeycloakSession session, String grantType) {
        OAuth2GrantType grant = grantType == null ? null : session.getProvider(OAuth2GrantType.class, grantType);
        return grant == null ? EventType.CODE_TO_TOKEN : grant.getEventType();
    }

    /** The authenticated client, else the one the request names (as Keycloak records it for its own errors). */
    private static String clientId(KeycloakSession session, String named) {
        ClientModel client = session.getContext().getClient();
        if (client != null) {
            return client.getClientId();
        }
        if (named == null) {
            named = basicUsername(session.getContext().getHttpRequest().getHttpHeaders().getHeaderString("Authorization"));
        }
        return named == null || named.length() > 255 ? null : named;
    }

    private static String basicUsername(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            String credentials = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                    StandardCharsets.UTF_8);
            int colon = credentials.indexOf(':');
            return colon < 0 ? null : URLDecoder.decode(credentials.substring(0, colon), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBasic) {
            return null;
        }
    }

    /**
     * The form of a request a request filter refuses (so nothing else will read its body), up to {@code limit}
     * bytes: enough for the parameters an event names.
     */
    static Map<String, String> readForm(InputStream body, int limit) {
        Map<String, String> form = new HashMap<>();
        try {
            String text = new String(body.readNBytes(limit), StandardCharsets.US_ASCII);
            for (String pair : text.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    form.putIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        } catch (IOException | IllegalArgumentException unreadable) {
            // an event without these details is still an event
        }
        return form;
    }
}
