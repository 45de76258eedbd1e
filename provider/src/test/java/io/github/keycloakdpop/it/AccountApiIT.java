package io.github.keycloakdpop.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.Base64URL;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * RFC 9449 §7 at Keycloak's account REST API, with alice's DPoP-bound token from {@code spa} (its tokens carry the
 * {@code account} audience through alice's default account roles). Same rules as at userinfo; plain Keycloak answers
 * every refusal with {@code WWW-Authenticate: Bearer token required}.
 */
class AccountApiIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI ACCOUNT = KC.realmUri("account");
    static final URI SESSIONS = KC.realmUri("account/sessions");

    final ECKey key = Proofs.ecKey();
    final String token = ResourceClient.boundAccessToken(key);

    /** A request of the account REST API (it answers JSON only to clients that accept it). */
    static Http.Response get(URI uri, String authorization, String... proofs) {
        List<String> headers = new ArrayList<>(List.of("Accept", "application/json"));
        if (authorization != null) {
            headers.addAll(List.of("Authorization", authorization));
        }
        for (String proof : proofs) {
            headers.addAll(List.of("DPoP", proof));
        }
        return Http.request("GET", uri, null, headers.toArray(String[]::new));
    }

    static String ath(String accessToken) {
        try {
            return Base64URL.encode(MessageDigest.getInstance("SHA-256")
                    .digest(accessToken.getBytes(StandardCharsets.US_ASCII))).toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void assertChallenge(Http.Response response, String scheme, String error) {
        assertEquals(401, response.status(), response.toString());
        assertTrue(response.header("WWW-Authenticate").startsWith(scheme + " error=\"" + error + "\""),
                response.headers("WWW-Authenticate").toString());
    }

    @Test
    void spaTokensCarryTheAccountAudience() {
        Object audience = Tokens.claims(token).get("aud");

        assertTrue(audience instanceof List<?> list && list.contains("account"), String.valueOf(audience));
    }

    @Test
    void boundTokenWithAProofOfItsKeyReadsTheProfile() {
        Http.Response response = get(ACCOUNT, "DPoP " + token, Proofs.proof(key, "GET", ACCOUNT, token));

        assertEquals(200, response.status(), response.toString());
        assertEquals("alice", response.string("username"));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"dpop", "DPOP"})
    void schemeIsCaseInsensitive(String scheme) {
        // RFC 9110 §11.1; Keycloak before 26.7 compares "DPoP" case-sensitively, the plugin writes it so first
        Http.Response response = get(ACCOUNT, scheme + " " + token, Proofs.proof(key, "GET", ACCOUNT, token));

        assertEquals(200, response.status(), response.toString());
        assertEquals("alice", response.string("username"));
    }

    @Test
    void boundTokenWithAProofOfItsKeyListsTheSessions() {
        Http.Response response = get(SESSIONS, "DPoP " + token, Proofs.proof(key, "GET", SESSIONS, token));

        assertEquals(200, response.status(), response.toString());
        assertTrue(response.body().startsWith("["), response.toString());
    }

    @Test
    void boundTokenAsBearerIsInvalidToken() {
        Http.Response response = get(ACCOUNT, "Bearer " + token);

        assertChallenge(response, "Bearer", "invalid_token");
        assertTrue(response.string("error_description").contains("DPoP-bound"), response.toString());
    }

    @Test
    void missingProofIsInvalidDpopProof() {
        Http.Response response = get(ACCOUNT, "DPoP " + token);

        assertChallenge(response, "DPoP", "invalid_dpop_proof");
    }

    @Test
    void proofForAnotherAccountPathIsInvalidDpopProof() {
        Http.Response response = get(SESSIONS, "DPoP " + token, Proofs.proof(key, "GET", ACCOUNT, token));

        assertChallenge(response, "DPoP", "invalid_dpop_proof");
    }

    @Test
    void proofOfAnotherKeyIsInvalidToken() {
        Http.Response response = get(ACCOUNT, "DPoP " + token, Proofs.proof(Proofs.ecKey(), "GET", ACCOUNT, token));

        assertChallenge(response, "DPoP", "invalid_token");
    }

    @Test
    void replayedProofIsInvalidDpopProof() {
        String proof = Proofs.proof(key, "GET", ACCOUNT, token);
        assertEquals(200, get(ACCOUNT, "DPoP " + token, proof).status());

        assertChallenge(get(ACCOUNT, "DPoP " + token, proof), "DPoP", "invalid_dpop_proof");
    }

    @Test
    void proofOnlyThePluginRefusesIsRefusedBeforeTheAccountApiAnswers() {
        // Keycloak authenticates the account API (and ignores exp) before any request filter; the plugin's stricter
        // checks still refuse before the resource method runs.
        String expired = Proofs.crafted(key, JWSAlgorithm.ES256, "GET", ACCOUNT, h -> { },
                c -> c.claim("ath", ath(token)).expirationTime(new Date(System.currentTimeMillis() - 60_000)));

        Http.Response response = get(ACCOUNT, "DPoP " + token, expired);

        assertChallenge(response, "DPoP", "invalid_dpop_proof");
        assertEquals("DPoP proof has expired (exp)", response.string("error_description"));
    }

    @Test
    void requestWithoutCredentialsGetsABearerAndADpopChallenge() {
        Http.Response response = get(ACCOUNT, null);

        assertEquals(401, response.status(), response.toString());
        assertEquals(List.of("DPoP algs=\"" + ResourceClient.algs() + "\"", "Bearer"), response.headers("WWW-Authenticate"));
    }
}
