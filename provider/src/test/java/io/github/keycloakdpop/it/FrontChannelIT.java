package io.github.keycloakdpop.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that requires DPoP never gets a token through the front channel: implicit and hybrid response types
 * would hand out an access token no proof was made for (RFC 9449 §5 binds at the token endpoint only). Keycloak's
 * built-in DPoP refuses these itself; this test keeps that promise checked with the plugin installed.
 */
class FrontChannelIT {

    static final String CLIENT = "implicit-dpop";

    @BeforeAll
    static void clientWithImplicitFlowThatRequiresDpop() {
        KeycloakServer.get();
        Admin.createClient(Map.of(
                "clientId", CLIENT, "publicClient", true, "standardFlowEnabled", true, "implicitFlowEnabled", true,
                "redirectUris", List.of(CodeFlow.REDIRECT_URI),
                "attributes", Map.of("dpop.bound.access.tokens", "true")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"token", "id_token token", "code token", "code id_token token", "code id_token"})
    void implicitAndHybridResponseTypesAreRefused(String responseType) {
        CodeFlow browser = new CodeFlow();
        Map<String, String> request = browser.authorizationRequest(CLIENT);
        request.put("response_type", responseType);
        request.put("nonce", "n-0S6_WzA2Mj");

        Map<String, String> callback = browser.login(CodeFlow.authorizationUrl(request));

        assertFalse(callback.containsKey("access_token"), callback.toString());
        assertFalse(callback.containsKey("code"), callback.toString());
        assertEquals("unauthorized_client", callback.get("error"), callback.toString());
        assertTrue(callback.get("error_description").contains("DPoP"), callback.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"token", "code id_token"})
    void implicitAndHybridResponseTypesAreRefusedAtPar(String responseType) {
        Http.Response par = Http.postForm(KeycloakServer.get().realmUri("protocol/openid-connect/ext/par/request"),
                Http.form("client_id", CLIENT, "response_type", responseType, "redirect_uri", CodeFlow.REDIRECT_URI,
                        "scope", "openid", "nonce", "n-0S6_WzA2Mj"), null, List.of());

        assertEquals("unauthorized_client", par.string("error"), par.toString());
        assertTrue(par.string("error_description").contains("DPoP"), par.toString());
        assertFalse(par.json().containsKey("request_uri"), par.toString());
    }
}
