package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Refusals.assertInvalidProof;
import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * RFC 9449 §5 refresh rules, per client session: the key of the first bound token is recorded on the client session,
 * a DPoP session is never refreshed into Bearer tokens, public clients must always prove the recorded key, and
 * confidential clients must when the realm pins them.
 */
class ClientSessionBindingIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();

    final ECKey key = Proofs.ecKey();
    final ECKey otherKey = Proofs.ecKey();

    static Http.Response legacyLogin(List<String> dpop) {
        return Http.postForm(TOKEN, form("grant_type", "password", "username", "alice", "password", "alice",
                "scope", "openid"), basic("legacy", "legacy-secret"), dpop);
    }

    static Http.Response legacyRefresh(String refreshToken, List<String> dpop) {
        return Http.postForm(TOKEN, form("grant_type", "refresh_token", "refresh_token", refreshToken),
                basic("legacy", "legacy-secret"), dpop);
    }

    static Http.Response spaRefresh(String refreshToken, List<String> dpop) {
        return Http.postForm(TOKEN, form("grant_type", "refresh_token", "client_id", "spa",
                "refresh_token", refreshToken), null, dpop);
    }


    @Test
    void confidentialClientSessionStartedWithDpopIsNotRefreshedIntoBearer() {
        String refreshToken = legacyLogin(List.of(Proofs.proof(key, "POST", TOKEN))).string("refresh_token");

        assertInvalidProof(legacyRefresh(refreshToken, List.of()));
    }

    @Test
    void confidentialClientSessionStartedWithoutDpopRefreshesAsBearer() {
        String refreshToken = legacyLogin(List.of()).string("refresh_token");

        Http.Response refreshed = legacyRefresh(refreshToken, List.of());

        assertEquals(200, refreshed.status(), refreshed.toString());
        assertEquals("Bearer", refreshed.string("token_type"));
    }

    @Test
    void confidentialClientMayRefreshWithAnotherKeyWhenTheRealmDoesNotPin() {
        String refreshToken = legacyLogin(List.of(Proofs.proof(key, "POST", TOKEN))).string("refresh_token");

        Http.Response refreshed = legacyRefresh(refreshToken, List.of(Proofs.proof(otherKey, "POST", TOKEN)));

        assertEquals(200, refreshed.status(), refreshed.toString());
        assertEquals(Proofs.jkt(otherKey), Tokens.cnfJkt(refreshed.string("access_token")));
    }

    @Test
    void confidentialClientMustProveTheRecordedKeyWhenTheRealmPins() {
        Admin.setRealmAttribute("keycloak-dpop.pin-confidential-clients", "true");
        try {
            String refreshToken = legacyLogin(List.of(Proofs.proof(key, "POST", TOKEN))).string("refresh_token");

            assertInvalidProof(legacyRefresh(refreshToken, List.of(Proofs.proof(otherKey, "POST", TOKEN))));
            Http.Response sameKey = legacyRefresh(refreshToken, List.of(Proofs.proof(key, "POST", TOKEN)));
            assertEquals(200, sameKey.status(), sameKey.toString());
            assertEquals(Proofs.jkt(key), Tokens.cnfJkt(sameKey.string("access_token")));
        } finally {
            Admin.setRealmAttribute("keycloak-dpop.pin-confidential-clients", null);
        }
    }

    @Test
    void secondCodeFlowInTheSameSsoSessionRebindsTheClientSession() {
        CodeFlow browser = new CodeFlow();
        Http.Response first = redeem(browser, key);
        Http.Response second = redeem(browser, otherKey);
        assertEquals(Proofs.jkt(otherKey), Tokens.cnfJkt(second.string("access_token")));
        assertEquals(Tokens.claims(first.string("access_token")).get("sid"),
                Tokens.claims(second.string("access_token")).get("sid"), "same SSO session");

        // The first refresh token is still bound to the first key (Keycloak's cnf check passes), but its client
        // session now belongs to the second key.
        assertInvalidProof(spaRefresh(first.string("refresh_token"), List.of(Proofs.proof(key, "POST", TOKEN))));
        Http.Response current = spaRefresh(second.string("refresh_token"), List.of(Proofs.proof(otherKey, "POST", TOKEN)));
        assertEquals(200, current.status(), current.toString());
    }

    @Test
    void offlineSessionOfAPublicClientIsBoundToTheKey() {
        Http.Response login = Http.postForm(TOKEN, form("grant_type", "password", "client_id", "spa",
                "username", "alice", "password", "alice", "scope", "openid offline_access"), null,
                List.of(Proofs.proof(key, "POST", TOKEN)));
        assertEquals(200, login.status(), login.toString());
        assertEquals("Offline", Tokens.claims(login.string("refresh_token")).get("typ"), login.toString());
        String offlineToken = login.string("refresh_token");

        Http.Response otherKeyRefresh = spaRefresh(offlineToken, List.of(Proofs.proof(otherKey, "POST", TOKEN)));
        Http.Response noProofRefresh = spaRefresh(offlineToken, List.of());
        Http.Response sameKeyRefresh = spaRefresh(offlineToken, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertInvalidProof(otherKeyRefresh);
        assertInvalidProof(noProofRefresh);
        assertEquals(200, sameKeyRefresh.status(), sameKeyRefresh.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(sameKeyRefresh.string("access_token")));
    }

    @Test
    void offlineSessionOfAConfidentialClientIsNotRefreshedIntoBearer() {
        Http.Response login = Http.postForm(TOKEN, form("grant_type", "password", "username", "alice",
                "password", "alice", "scope", "openid offline_access"), basic("legacy", "legacy-secret"),
                List.of(Proofs.proof(key, "POST", TOKEN)));
        assertEquals(200, login.status(), login.toString());
        assertEquals("Offline", Tokens.claims(login.string("refresh_token")).get("typ"), login.toString());

        assertInvalidProof(legacyRefresh(login.string("refresh_token"), List.of()));
    }

    Http.Response redeem(CodeFlow browser, ECKey proofKey) {
        Map<String, String> request = browser.authorizationRequest("spa");
        String code = browser.code(request);
        Http.Response tokens = Http.postForm(TOKEN, form("grant_type", "authorization_code", "client_id", "spa",
                "code", code, "redirect_uri", CodeFlow.REDIRECT_URI, "code_verifier", browser.verifier), null,
                List.of(Proofs.proof(proofKey, "POST", TOKEN)));
        assertEquals(200, tokens.status(), tokens.toString());
        return tokens;
    }
}
