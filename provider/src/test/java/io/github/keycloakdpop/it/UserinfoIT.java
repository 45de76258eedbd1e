package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static io.github.keycloakdpop.it.ResourceClient.call;
import static io.github.keycloakdpop.it.ResourceClient.dpopGet;
import static io.github.keycloakdpop.it.ResourceClient.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 9449 §7 at Keycloak's userinfo endpoint: a DPoP-bound token is accepted only with the DPoP scheme and a proof
 * of its key with {@code ath}; every refusal is a 401 whose {@code WWW-Authenticate} challenge names the RFC error
 * ({@code invalid_dpop_proof} or {@code invalid_token}) and the accepted algorithms. Plain Keycloak refuses the same
 * requests, but always as {@code invalid_token} "Token verification failed".
 */
class UserinfoIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI USERINFO = KC.realmUri("protocol/openid-connect/userinfo");

    final ECKey key = Proofs.ecKey();
    final String token = ResourceClient.boundAccessToken(key);

    static void assertChallenge(Http.Response response, String error) {
        assertEquals(401, response.status(), response.toString());
        String challenge = response.header("WWW-Authenticate");
        assertTrue(challenge != null && challenge.startsWith("DPoP error=\"" + error + "\", error_description=\""),
                response.headers("WWW-Authenticate").toString());
        assertTrue(challenge.endsWith(", algs=\"" + ResourceClient.algs() + "\""), challenge);
    }

    static String description(Http.Response response) {
        return response.string("error_description");
    }

    @Test
    void boundTokenWithAProofOfItsKeyGetsUserinfo() {
        Http.Response response = dpopGet(USERINFO, token, key);

        assertEquals(200, response.status(), response.toString());
        assertEquals("alice", response.string("preferred_username"));
    }

    @Test
    void boundTokenWithAProofOfItsKeyGetsUserinfoByPost() {
        Http.Response response = call("POST", USERINFO, Map.of(), "DPoP " + token,
                Proofs.proof(key, "POST", USERINFO, token));

        assertEquals(200, response.status(), response.toString());
        assertEquals("alice", response.string("preferred_username"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dpop", "DPOP"})
    void schemeIsCaseInsensitive(String scheme) {
        Http.Response response = get(USERINFO, scheme + " " + token, Proofs.proof(key, "GET", USERINFO, token));

        assertEquals(200, response.status(), response.toString());
    }

    @Test
    void boundTokenAsBearerIsInvalidTokenInTheBearerChallenge() {
        Http.Response response = get(USERINFO, "Bearer " + token);

        assertEquals(401, response.status(), response.toString());
        assertEquals(List.of("Bearer error=\"invalid_token\", error_description=\"The access token is DPoP-bound: "
                        + "send it with the DPoP scheme and a DPoP proof\"", "DPoP algs=\"" + ResourceClient.algs() + "\""),
                response.headers("WWW-Authenticate"));
    }

    @Test
    void boundTokenAsBearerWithAProofIsStillRefused() {
        Http.Response response = get(USERINFO, "Bearer " + token, Proofs.proof(key, "GET", USERINFO, token));

        assertEquals(401, response.status(), response.toString());
        assertTrue(response.header("WWW-Authenticate").startsWith("Bearer error=\"invalid_token\""), response.toString());
    }

    @Test
    void boundTokenInTheFormBodyIsABearerTokenAndRefused() {
        Http.Response response = call("POST", USERINFO, Map.of("access_token", token), null,
                Proofs.proof(key, "POST", USERINFO, token));

        assertEquals(401, response.status(), response.toString());
        assertTrue(response.header("WWW-Authenticate").startsWith(
                "Bearer error=\"invalid_token\", error_description=\"The access token is DPoP-bound"),
                response.headers("WWW-Authenticate").toString());
    }

    @Test
    void missingProofIsInvalidDpopProof() {
        Http.Response response = get(USERINFO, "DPoP " + token);

        assertChallenge(response, "invalid_dpop_proof");
        assertEquals("DPoP proof is missing", description(response));
    }

    @Test
    void proofWithoutAthIsInvalidDpopProof() {
        Http.Response response = get(USERINFO, "DPoP " + token, Proofs.proof(key, "GET", USERINFO));

        assertChallenge(response, "invalid_dpop_proof");
        assertEquals("DPoP proof is missing ath", description(response));
    }

    @Test
    void proofForAnotherAccessTokenIsInvalidDpopProof() {
        String otherToken = ResourceClient.boundAccessToken(key);

        Http.Response response = get(USERINFO, "DPoP " + token, Proofs.proof(key, "GET", USERINFO, otherToken));

        assertChallenge(response, "invalid_dpop_proof");
        assertEquals("DPoP proof ath does not match the access token", description(response));
    }

    @Test
    void proofForAnotherMethodIsInvalidDpopProof() {
        Http.Response response = get(USERINFO, "DPoP " + token, Proofs.proof(key, "POST", USERINFO, token));

        assertChallenge(response, "invalid_dpop_proof");
    }

    @Test
    void proofForAnotherUriIsInvalidDpopProof() {
        Http.Response response = get(USERINFO, "DPoP " + token, Proofs.proof(key, "GET", KC.tokenEndpoint(), token));

        assertChallenge(response, "invalid_dpop_proof");
    }

    @Test
    void proofOfAnotherKeyIsInvalidToken() {
        Http.Response response = dpopGet(USERINFO, token, Proofs.ecKey());

        assertChallenge(response, "invalid_token");
        assertEquals("The DPoP proof key is not the key the access token is bound to", description(response));
    }

    @Test
    void replayedProofIsInvalidDpopProof() {
        String proof = Proofs.proof(key, "GET", USERINFO, token);
        assertEquals(200, get(USERINFO, "DPoP " + token, proof).status());

        Http.Response replay = get(USERINFO, "DPoP " + token, proof);

        assertChallenge(replay, "invalid_dpop_proof");
        assertTrue(description(replay).contains("already been used"), replay.toString());
    }

    @Test
    void forgedTokenIsInvalidToken() {
        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + parts[1] + "." + parts[2].substring(0, 10) + "AAAA" + parts[2].substring(14);

        Http.Response response = dpopGet(USERINFO, forged, key);

        assertChallenge(response, "invalid_token");
    }

    @Test
    void unboundTokenWithTheDpopSchemeIsInvalidToken() {
        String unbound = Http.postForm(KC.tokenEndpoint(), form("grant_type", "password", "username", "alice",
                "password", "alice", "scope", "openid"), basic("legacy", "legacy-secret"), List.of()).string("access_token");

        Http.Response response = dpopGet(USERINFO, unbound, key);

        assertChallenge(response, "invalid_token");
        assertEquals("The access token is not DPoP-bound: send it with the Bearer scheme", description(response));
    }

    @Test
    void unboundTokenWithTheBearerSchemeStillGetsUserinfo() {
        String unbound = Http.postForm(KC.tokenEndpoint(), form("grant_type", "password", "username", "alice",
                "password", "alice", "scope", "openid"), basic("legacy", "legacy-secret"), List.of()).string("access_token");

        Http.Response response = get(USERINFO, "Bearer " + unbound);

        assertEquals(200, response.status(), response.toString());
    }

    @Test
    void unboundTokenOfAClientThatNowRequiresDpopIsRefusedAsBearer() {
        // Keycloak refuses the Bearer scheme for every token of a client that requires DPoP, bound or not.
        Admin.createClient(Admin.json("clientId", "userinfo-later-dpop", "publicClient", false, "secret", "s3cret",
                "directAccessGrantsEnabled", true, "standardFlowEnabled", false));
        String unbound = Http.postForm(KC.tokenEndpoint(), form("grant_type", "password", "username", "alice",
                "password", "alice", "scope", "openid"), basic("userinfo-later-dpop", "s3cret"), List.of())
                .string("access_token");
        Admin.updateClient("userinfo-later-dpop", Map.of("attributes", Map.of("dpop.bound.access.tokens", "true")));

        Http.Response response = get(USERINFO, "Bearer " + unbound);

        assertEquals(401, response.status(), response.toString());
        assertTrue(response.header("WWW-Authenticate").startsWith("Bearer error=\"invalid_token\", "
                + "error_description=\"The client of this access token requires DPoP"), response.headers("WWW-Authenticate").toString());
    }

    @Test
    void requestWithoutCredentialsGetsABearerAndADpopChallenge() {
        Http.Response response = get(USERINFO, null);

        assertEquals(401, response.status(), response.toString());
        assertEquals(List.of("DPoP algs=\"" + ResourceClient.algs() + "\"", "Bearer"), response.headers("WWW-Authenticate"));
    }

    @Test
    void postWithoutCredentialsGetsABearerAndADpopChallenge() {
        Http.Response response = call("POST", USERINFO, Map.of(), null);

        assertEquals(401, response.status(), response.toString());
        assertEquals(2, response.headers("WWW-Authenticate").size(), response.headers("WWW-Authenticate").toString());
    }

    @Test
    void browserClientCanReadTheChallenge() {
        // No proof: refused by the plugin, whose answer a browser client must be able to read (RFC 9449 §7.1).
        Http.Response fromBrowser = Http.request("GET", USERINFO, null, "Authorization", "DPoP " + token,
                "Origin", "http://127.0.0.1");

        assertEquals(401, fromBrowser.status(), fromBrowser.toString());
        assertEquals("http://127.0.0.1", fromBrowser.header("Access-Control-Allow-Origin"), fromBrowser.headers().toString());
        assertTrue(fromBrowser.header("Access-Control-Expose-Headers").contains("WWW-Authenticate"),
                fromBrowser.headers().toString());
    }
}
