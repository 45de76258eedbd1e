package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Token revocation (RFC 7009) of refresh and access tokens bound to a public client's key: that key is the client's
 * only sender constraint, so revoking needs a proof of it, like refreshing does (RFC 9449 §5). A missing, bad or other-key proof
 * is {@code 400 invalid_dpop_proof} and the token stays valid. Plain Keycloak revokes for anyone who holds the token
 * and ignores the DPoP header.
 */
class RevocationIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final URI REVOKE = KC.realmUri("protocol/openid-connect/revoke");
    static final URI USERINFO = KC.realmUri("protocol/openid-connect/userinfo");

    final ECKey key = Proofs.ecKey();
    final Http.Response tokens = ResourceClient.spaTokens(key);
    final String refreshToken = tokens.string("refresh_token");

    static Http.Response revoke(String token, List<String> dpop) {
        return Http.postForm(REVOKE, form("client_id", "spa", "token", token), null, dpop);
    }

    Http.Response refresh() {
        return refresh(refreshToken);
    }

    Http.Response refresh(String token) {
        return Http.postForm(TOKEN, form("grant_type", "refresh_token", "client_id", "spa",
                "refresh_token", token), null, List.of(Proofs.proof(key, "POST", TOKEN)));
    }

    static void assertInvalidProof(Http.Response response) {
        assertEquals(400, response.status(), response.toString());
        assertEquals("invalid_dpop_proof", response.string("error"), response.toString());
    }

    @Test
    void boundRefreshTokenIsRevokedWithAProofOfItsKey() {
        Http.Response revoked = revoke(refreshToken, List.of(Proofs.proof(key, "POST", REVOKE)));

        assertEquals(200, revoked.status(), revoked.toString());
        assertEquals(400, refresh().status(), "a revoked refresh token no longer refreshes");
    }

    @Test
    void boundRefreshTokenIsNotRevokedWithoutAProof() {
        Http.Response revoked = revoke(refreshToken, List.of());

        assertInvalidProof(revoked);
        assertEquals("The refresh token is DPoP-bound: send a DPoP proof of its key to revoke it", revoked.string("error_description"));
        assertEquals(200, refresh().status(), "the refused revocation left the token valid");
    }

    @Test
    void boundRefreshTokenIsNotRevokedWithAProofOfAnotherKey() {
        Http.Response revoked = revoke(refreshToken, List.of(Proofs.proof(Proofs.ecKey(), "POST", REVOKE)));

        assertInvalidProof(revoked);
        assertEquals("The DPoP proof key is not the key the refresh token is bound to", revoked.string("error_description"));
        assertEquals(200, refresh().status(), "the refused revocation left the token valid");
    }

    @Test
    void boundOfflineTokenIsNotRevokedWithoutAProof() {
        String offlineToken = ResourceClient.spaTokens(key, "openid offline_access").string("refresh_token");

        assertInvalidProof(revoke(offlineToken, List.of()));
        assertEquals(200, refresh(offlineToken).status(), "the refused revocation left the offline session");
        assertEquals(200, revoke(offlineToken, List.of(Proofs.proof(key, "POST", REVOKE))).status());
        assertEquals(400, refresh(offlineToken).status(), "revoked with a proof");
    }

    @Test
    void proofForAnotherEndpointIsInvalidDpopProof() {
        Http.Response revoked = revoke(refreshToken, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertInvalidProof(revoked);
        assertEquals(200, refresh().status(), "the refused revocation left the token valid");
    }

    @Test
    void replayedProofIsInvalidDpopProof() {
        String proof = Proofs.proof(key, "POST", REVOKE);
        String otherRefreshToken = ResourceClient.spaTokens(key).string("refresh_token");
        assertEquals(200, revoke(otherRefreshToken, List.of(proof)).status());

        assertInvalidProof(revoke(refreshToken, List.of(proof)));
        assertEquals(200, refresh().status(), "the refused revocation left the token valid");
    }

    @Test
    void boundAccessTokenIsRevokedWithAProofOfItsKey() {
        String accessToken = tokens.string("access_token");

        Http.Response revoked = revoke(accessToken, List.of(Proofs.proof(key, "POST", REVOKE)));

        assertEquals(200, revoked.status(), revoked.toString());
        assertEquals(401, ResourceClient.dpopGet(USERINFO, accessToken, key).status(), "revoked");
    }

    @Test
    void boundAccessTokenIsNotRevokedWithoutAProof() {
        String accessToken = tokens.string("access_token");

        Http.Response revoked = revoke(accessToken, List.of());

        assertInvalidProof(revoked);
        assertEquals(200, ResourceClient.dpopGet(USERINFO, accessToken, key).status(), "still valid");
    }

    @Test
    void boundAccessTokenIsNotRevokedWithAProofOfAnotherKey() {
        String accessToken = tokens.string("access_token");

        Http.Response revoked = revoke(accessToken, List.of(Proofs.proof(Proofs.ecKey(), "POST", REVOKE)));

        assertInvalidProof(revoked);
        assertEquals("The DPoP proof key is not the key the access token is bound to",
                revoked.string("error_description"));
        assertEquals(200, ResourceClient.dpopGet(USERINFO, accessToken, key).status(), "still valid");
    }

    @Test
    void forgedTokenIsLeftToKeycloak() {
        // not a token this realm signed: RFC 7009 answers 200 for a token it does not know, and so does Keycloak
        String[] parts = tokens.string("access_token").split("\\.");
        Http.Response revoked = revoke(parts[0] + "." + parts[1] + ".AAAA", List.of());

        assertEquals(200, revoked.status(), revoked.toString());
    }

    @Test
    void confidentialClientRevokesItsUnboundRefreshTokenWithoutAProof() {
        // RFC 9449 §5: a confidential client's refresh token is not bound; the client authenticates instead.
        Http.Response legacy = Http.postForm(TOKEN, form("grant_type", "password", "username", "alice",
                "password", "alice", "scope", "openid"), basic("legacy", "legacy-secret"),
                List.of(Proofs.proof(key, "POST", TOKEN)));
        assertNull(Tokens.cnfJkt(legacy.string("refresh_token")));

        Http.Response revoked = Http.postForm(REVOKE, form("token", legacy.string("refresh_token")),
                basic("legacy", "legacy-secret"), List.of());

        assertEquals(200, revoked.status(), revoked.toString());
    }
}
