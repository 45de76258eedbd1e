package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Refresh-token logout ({@code POST .../logout} with {@code refresh_token}) of a public client whose refresh token is
 * DPoP-bound: it succeeds with a proof of the bound key and fails without one. Plain Keycloak 26.7.3 refuses it
 * always ("DPoP proof is missing", its issue #50306): its logout endpoint never reads the DPoP header.
 */
class LogoutIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final URI LOGOUT = KC.realmUri("protocol/openid-connect/logout");

    final ECKey key = Proofs.ecKey();

    static Http.Response logout(String refreshToken, List<String> dpop) {
        return Http.postForm(LOGOUT, form("client_id", "spa", "refresh_token", refreshToken), null, dpop);
    }

    Http.Response refresh(String refreshToken) {
        return Http.postForm(TOKEN, form("grant_type", "refresh_token", "client_id", "spa",
                "refresh_token", refreshToken), null, List.of(Proofs.proof(key, "POST", TOKEN)));
    }

    static void assertInvalidProof(Http.Response response) {
        assertEquals(400, response.status(), response.toString());
        assertEquals("invalid_dpop_proof", response.string("error"), response.toString());
    }

    @Test
    void boundRefreshTokenLogsOutWithAProofOfItsKey() {
        String refreshToken = ResourceClient.spaTokens(key).string("refresh_token");

        Http.Response logout = logout(refreshToken, List.of(Proofs.proof(key, "POST", LOGOUT)));

        assertEquals(204, logout.status(), logout.toString());
        assertEquals(400, refresh(refreshToken).status(), "the session has ended");
    }

    @Test
    void boundOfflineTokenLogsOutWithAProofOfItsKey() {
        String offlineToken = ResourceClient.spaTokens(key, "openid offline_access").string("refresh_token");
        assertEquals("Offline", Tokens.claims(offlineToken).get("typ"));

        Http.Response logout = logout(offlineToken, List.of(Proofs.proof(key, "POST", LOGOUT)));

        assertEquals(204, logout.status(), logout.toString());
        assertEquals(400, refresh(offlineToken).status(), "the offline session has ended");
    }

    @Test
    void boundRefreshTokenWithoutAProofIsInvalidDpopProof() {
        String refreshToken = ResourceClient.spaTokens(key).string("refresh_token");

        Http.Response logout = logout(refreshToken, List.of());

        assertInvalidProof(logout);
        assertEquals("The refresh token is DPoP-bound: send a DPoP proof of its key", logout.string("error_description"));
        assertEquals(200, refresh(refreshToken).status(), "the session is still there");
    }

    @Test
    void boundRefreshTokenWithAProofOfAnotherKeyIsInvalidDpopProof() {
        String refreshToken = ResourceClient.spaTokens(key).string("refresh_token");

        Http.Response logout = logout(refreshToken, List.of(Proofs.proof(Proofs.ecKey(), "POST", LOGOUT)));

        assertInvalidProof(logout);
        assertEquals("The DPoP proof key is not the key the refresh token is bound to", logout.string("error_description"));
        assertEquals(200, refresh(refreshToken).status(), "the session is still there");
    }

    @Test
    void proofForAnotherEndpointIsInvalidDpopProof() {
        String refreshToken = ResourceClient.spaTokens(key).string("refresh_token");

        assertInvalidProof(logout(refreshToken, List.of(Proofs.proof(key, "POST", TOKEN))));
        assertEquals(200, refresh(refreshToken).status(), "the session is still there");
    }

    @Test
    void confidentialClientLogsOutWithoutAProof() {
        // RFC 9449 §5: a confidential client's refresh token is not bound; the client authenticates instead.
        String refreshToken = Http.postForm(TOKEN, form("grant_type", "password", "username", "alice",
                "password", "alice", "scope", "openid"), basic("legacy", "legacy-secret"),
                List.of(Proofs.proof(key, "POST", TOKEN))).string("refresh_token");

        Http.Response logout = Http.postForm(LOGOUT, form("refresh_token", refreshToken),
                basic("legacy", "legacy-secret"), List.of());

        assertEquals(204, logout.status(), logout.toString());
    }
}
