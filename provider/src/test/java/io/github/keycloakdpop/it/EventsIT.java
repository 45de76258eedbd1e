package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.JSONArrayUtils;
import java.net.URI;
import java.text.ParseException;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every refusal is a Keycloak event (error {@code invalid_dpop_proof} or {@code use_dpop_nonce}, at userinfo and the
 * account API also {@code invalid_token}; detail {@code reason}, the client), found where an admin looks: the realm's
 * saved events (admin console → Events).
 */
class EventsIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final URI PAR = KC.realmUri("protocol/openid-connect/ext/par/request");
    static final URI USERINFO = KC.realmUri("protocol/openid-connect/userinfo");
    static final URI ACCOUNT = KC.realmUri("account");

    final ECKey key = Proofs.ecKey();

    @BeforeAll
    static void saveEvents() {
        Http.Response response = Admin.call("PUT", "", Admin.json("eventsEnabled", true, "enabledEventTypes",
                List.of("CLIENT_LOGIN_ERROR", "LOGIN_ERROR", "REFRESH_TOKEN_ERROR", "PUSHED_AUTHORIZATION_REQUEST_ERROR",
                        "USER_INFO_REQUEST_ERROR", "VALIDATE_ACCESS_TOKEN_ERROR")));
        assertEquals(204, response.status(), response.toString());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> event(String type, String clientId, String error, String reason) {
        Http.Response events = Admin.call("GET", "/events?type=" + type + "&client=" + clientId + "&max=50", null);
        try {
            return JSONArrayUtils.parse(events.body()).stream().map(e -> (Map<String, Object>) e)
                    .filter(e -> error.equals(e.get("error"))
                            && reason.equals(((Map<String, Object>) e.getOrDefault("details", Map.of())).get("reason")))
                    .findFirst().orElseThrow(() -> new AssertionError("no " + type + " event " + error + " / " + reason
                            + " for " + clientId + " in " + events.body()));
        } catch (ParseException e) {
            throw new AssertionError(events.toString(), e);
        }
    }

    @Test
    void badProofIsAnInvalidDpopProofEvent() {
        Http.Response response = Http.postForm(TOKEN, form("grant_type", "client_credentials"),
                basic("service", "service-secret"), List.of(Proofs.proof(key, "GET", TOKEN)));

        event("CLIENT_LOGIN_ERROR", "service", "invalid_dpop_proof", response.string("error_description"));
    }

    @Test
    void badProofAtParNamesThePublicClientOfTheForm() {
        Http.Response response = Http.postForm(PAR, new CodeFlow().authorizationRequest("spa"), null,
                List.of(Proofs.proof(key, "POST", TOKEN)));
        assertEquals("invalid_dpop_proof", response.string("error"), response.toString());

        event("PUSHED_AUTHORIZATION_REQUEST_ERROR", "spa", "invalid_dpop_proof", response.string("error_description"));
    }

    @Test
    void nonceChallengeIsAUseDpopNonceEvent() {
        Http.Response response = Http.postForm(TOKEN, form("grant_type", "password", "client_id", "wallet",
                "username", "alice", "password", "alice"), null, List.of(Proofs.proof(key, "POST", TOKEN)));
        assertEquals("use_dpop_nonce", response.string("error"), response.toString());

        event("LOGIN_ERROR", "wallet", "use_dpop_nonce", response.string("error_description"));
    }

    @Test
    void parNonceChallengeIsAUseDpopNonceEvent() {
        Http.Response response = Http.postForm(PAR, new CodeFlow().authorizationRequest("wallet"), null,
                List.of(Proofs.proof(key, "POST", PAR)));
        assertEquals("use_dpop_nonce", response.string("error"), response.toString());

        event("PUSHED_AUTHORIZATION_REQUEST_ERROR", "wallet", "use_dpop_nonce", response.string("error_description"));
    }

    @Test
    void refusedRefreshIsAnInvalidDpopProofEvent() {
        String refreshToken = Http.postForm(TOKEN, form("grant_type", "password", "username", "alice",
                "password", "alice"), basic("legacy", "legacy-secret"), List.of(Proofs.proof(key, "POST", TOKEN)))
                .string("refresh_token");
        Http.Response response = Http.postForm(TOKEN, form("grant_type", "refresh_token", "refresh_token", refreshToken),
                basic("legacy", "legacy-secret"), List.of());
        assertEquals("invalid_dpop_proof", response.string("error"), response.toString());

        event("REFRESH_TOKEN_ERROR", "legacy", "invalid_dpop_proof", response.string("error_description"));
    }

    @Test
    void badProofAtUserinfoIsAnInvalidDpopProofEventOfTheTokensClientAndUser() {
        String token = ResourceClient.boundAccessToken(key);
        Http.Response response = ResourceClient.get(USERINFO, "DPoP " + token,
                Proofs.proof(key, "POST", USERINFO, token));
        assertEquals(401, response.status(), response.toString());

        Map<String, Object> event = event("USER_INFO_REQUEST_ERROR", "spa", "invalid_dpop_proof",
                response.string("error_description"));
        assertEquals(Tokens.claims(token).get("sub"), event.get("userId"));
    }

    @Test
    void proofOfAnotherKeyAtUserinfoIsAnInvalidTokenEvent() {
        String token = ResourceClient.boundAccessToken(key);
        Http.Response response = ResourceClient.dpopGet(USERINFO, token, Proofs.ecKey());
        assertEquals("invalid_token", response.string("error"), response.toString());

        event("USER_INFO_REQUEST_ERROR", "spa", "invalid_token", response.string("error_description"));
    }

    @Test
    void nonceChallengeAtUserinfoIsAUseDpopNonceEvent() {
        String token = ResourceClient.boundAccessToken(key);
        Admin.setRealmAttribute("keycloak-dpop.resource-nonce", "always");
        try {
            Http.Response response = ResourceClient.dpopGet(USERINFO, token, key);
            assertEquals("use_dpop_nonce", response.string("error"), response.toString());

            event("USER_INFO_REQUEST_ERROR", "spa", "use_dpop_nonce", response.string("error_description"));
        } finally {
            Admin.setRealmAttribute("keycloak-dpop.resource-nonce", null);
        }
    }

    @Test
    void refusalsAtTheAccountApiAreValidateAccessTokenErrorEvents() {
        // Refused by Keycloak before the plugin's gate (no proof) and by the gate itself (an expired proof).
        String token = ResourceClient.boundAccessToken(key);
        Http.Response missing = AccountApiIT.get(ACCOUNT, "DPoP " + token);
        Http.Response expired = AccountApiIT.get(ACCOUNT, "DPoP " + token, Proofs.crafted(key, "GET", ACCOUNT,
                c -> c.claim("ath", AccountApiIT.ath(token))
                        .expirationTime(new Date(System.currentTimeMillis() - 60_000))));
        assertEquals(401, missing.status(), missing.toString());
        assertEquals("DPoP proof has expired (exp)", expired.string("error_description"), expired.toString());

        event("VALIDATE_ACCESS_TOKEN_ERROR", "spa", "invalid_dpop_proof", missing.string("error_description"));
        event("VALIDATE_ACCESS_TOKEN_ERROR", "spa", "invalid_dpop_proof", expired.string("error_description"));
    }
}
