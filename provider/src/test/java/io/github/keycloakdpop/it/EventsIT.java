package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.JSONArrayUtils;
import java.net.URI;
import java.text.ParseException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every refusal is a Keycloak event (error {@code invalid_dpop_proof} or {@code use_dpop_nonce}, detail
 * {@code reason}, the client), found where an admin looks: the realm's saved events (admin console → Events).
 */
class EventsIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final URI PAR = KC.realmUri("protocol/openid-connect/ext/par/request");

    final ECKey key = Proofs.ecKey();

    @BeforeAll
    static void saveEvents() {
        Http.Response response = Admin.call("PUT", "", Admin.json("eventsEnabled", true, "enabledEventTypes",
                List.of("CLIENT_LOGIN_ERROR", "LOGIN_ERROR", "REFRESH_TOKEN_ERROR", "PUSHED_AUTHORIZATION_REQUEST_ERROR")));
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
}
