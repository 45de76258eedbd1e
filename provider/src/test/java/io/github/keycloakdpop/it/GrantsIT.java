package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Token binding across grants, and what each kind of client gets with and without a proof. */
class GrantsIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();

    final ECKey key = Proofs.ecKey();

    static Http.Response password(String clientId, String secret, List<String> dpop) {
        var form = form("grant_type", "password", "username", "alice", "password", "alice", "scope", "openid");
        if (secret == null) {
            form.put("client_id", clientId);
        }
        return Http.postForm(TOKEN, form, secret == null ? null : basic(clientId, secret), dpop);
    }

    static Http.Response refresh(String clientId, String refreshToken, List<String> dpop) {
        return Http.postForm(TOKEN, form("grant_type", "refresh_token", "client_id", clientId,
                "refresh_token", refreshToken), null, dpop);
    }

    @Test
    void publicClientPasswordGrantBindsAccessAndRefreshToken() {
        Http.Response response = password("spa", null, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, response.status(), response.toString());
        assertEquals("DPoP", response.string("token_type"));
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(response.string("access_token")));
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(response.string("refresh_token")));
    }

    @Test
    void publicClientRefreshWithTheSameKeyStaysBound() {
        String refreshToken = password("spa", null, List.of(Proofs.proof(key, "POST", TOKEN))).string("refresh_token");

        Http.Response refreshed = refresh("spa", refreshToken, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, refreshed.status(), refreshed.toString());
        assertEquals("DPoP", refreshed.string("token_type"));
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(refreshed.string("access_token")));
    }

    @Test
    void publicClientRefreshWithAnotherKeyFails() {
        String refreshToken = password("spa", null, List.of(Proofs.proof(key, "POST", TOKEN))).string("refresh_token");

        Http.Response refreshed = refresh("spa", refreshToken, List.of(Proofs.proof(Proofs.ecKey(), "POST", TOKEN)));

        assertEquals(400, refreshed.status(), refreshed.toString());
        assertNull(refreshed.json().get("access_token"));
    }

    @Test
    void publicClientRefreshWithoutProofFails() {
        String refreshToken = password("spa", null, List.of(Proofs.proof(key, "POST", TOKEN))).string("refresh_token");

        Http.Response refreshed = refresh("spa", refreshToken, List.of());

        assertEquals(400, refreshed.status(), refreshed.toString());
        assertNull(refreshed.json().get("access_token"));
    }

    @Test
    void clientRequiringDpopWithoutProofGetsInvalidDpopProof() {
        Http.Response response = Http.postForm(TOKEN, form("grant_type", "client_credentials"),
                basic("service", "service-secret"), List.of());

        assertEquals(400, response.status(), response.toString());
        assertEquals("invalid_dpop_proof", response.string("error"), response.toString());
        assertNull(response.json().get("access_token"));
    }

    @Test
    void publicClientRequiringDpopWithoutProofGetsInvalidDpopProof() {
        Http.Response response = password("spa", null, List.of());

        assertEquals(400, response.status(), response.toString());
        assertEquals("invalid_dpop_proof", response.string("error"), response.toString());
    }

    @Test
    void wrongClientSecretIsStillInvalidClientNotADpopError() {
        // The DPoP requirement of a client is only revealed to a caller that authenticated as that client.
        Http.Response response = Http.postForm(TOKEN, form("grant_type", "client_credentials"),
                basic("service", "wrong-secret"), List.of());

        assertEquals(401, response.status(), response.toString());
        assertEquals("unauthorized_client", response.string("error"), response.toString());
    }

    @Test
    void optionalClientGetsBearerWithoutProofAndDpopWithProof() {
        Http.Response bearer = password("legacy", "legacy-secret", List.of());
        Http.Response dpop = password("legacy", "legacy-secret", List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals("Bearer", bearer.string("token_type"), bearer.toString());
        assertNull(Tokens.cnfJkt(bearer.string("access_token")));
        assertEquals("DPoP", dpop.string("token_type"), dpop.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(dpop.string("access_token")));
    }

    @Test
    void serviceAccountTokenIsBound() {
        Http.Response response = Http.postForm(TOKEN, form("grant_type", "client_credentials"),
                basic("legacy", "legacy-secret"), List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, response.status(), response.toString());
        assertNotEquals(null, Tokens.cnfJkt(response.string("access_token")));
    }
}
