package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.ResourceClient.dpopGet;
import static io.github.keycloakdpop.it.ResourceClient.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * core's {@code DPoPResourceCheck} in a Java resource server outside Keycloak ({@link TinyResourceServer}), with
 * alice's tokens from the Keycloak under test. It needs only the tokens Keycloak binds, so it passes against plain
 * Keycloak too.
 */
class ResourceServerIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final TinyResourceServer RS = TinyResourceServer.start(KC);
    static final URI HELLO = RS.uri("/api/hello");

    final ECKey key = Proofs.ecKey();
    final String token = ResourceClient.boundAccessToken(key);

    @AfterAll
    static void stop() {
        RS.close();
    }

    static void assertChallenge(Http.Response response, String error) {
        assertEquals(401, response.status(), response.toString());
        assertEquals(error, response.body());
        assertTrue(response.header("WWW-Authenticate").startsWith("DPoP error=\"" + error + "\""),
                response.headers("WWW-Authenticate").toString());
    }

    @Test
    void boundTokenWithAProofOfItsKeyIsServed() {
        Http.Response response = dpopGet(HELLO, token, key);

        assertEquals(200, response.status(), response.toString());
        assertEquals("hello " + Tokens.claims(token).get("sub"), response.body());
    }

    @Test
    void boundTokenWithTheBearerSchemeIsRefused() {
        assertChallenge(get(HELLO, "Bearer " + token), "invalid_token");
    }

    @Test
    void proofOfAnotherKeyIsRefused() {
        assertChallenge(dpopGet(HELLO, token, Proofs.ecKey()), "invalid_token");
    }

    @Test
    void replayedProofIsRefused() {
        String proof = Proofs.proof(key, "GET", HELLO, token);
        assertEquals(200, get(HELLO, "DPoP " + token, proof).status());

        assertChallenge(get(HELLO, "DPoP " + token, proof), "invalid_dpop_proof");
    }

    @Test
    void proofWithoutAthIsRefused() {
        assertChallenge(get(HELLO, "DPoP " + token, Proofs.proof(key, "GET", HELLO)), "invalid_dpop_proof");
    }

    @Test
    void forgedTokenIsRefused() {
        String forged = token.substring(0, token.lastIndexOf('.') + 1) + "AAAA" + token.substring(token.lastIndexOf('.') + 5);

        assertChallenge(dpopGet(HELLO, forged, key), "invalid_token");
    }

    @Test
    void requestWithoutCredentialsIsChallengedForDpop() {
        Http.Response response = get(HELLO, null);

        assertEquals(401, response.status(), response.toString());
        assertEquals(1, response.headers("WWW-Authenticate").size(), response.headers("WWW-Authenticate").toString());
        assertTrue(response.header("WWW-Authenticate").startsWith("DPoP algs=\""), response.toString());
    }

    @Test
    void proofForAnotherPathIsRefused() {
        URI other = RS.uri("/api/other");

        assertChallenge(get(HELLO, "DPoP " + token, Proofs.proof(key, "GET", other, token)), "invalid_dpop_proof");
    }
}
