package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a browser application on an allowed web origin can read (CORS): the DPoP errors and the {@code DPoP-Nonce}
 * header, on success and on error, at the token and PAR endpoints. The demo clients' web origins are their redirect
 * URIs' origins ({@code +}), so {@code http://localhost} is allowed.
 */
class CorsIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final URI PAR = KC.realmUri("protocol/openid-connect/ext/par/request");
    static final String ORIGIN = "http://localhost";

    final ECKey key = Proofs.ecKey();

    static Http.Response post(URI uri, Map<String, String> form, String dpop) {
        return Http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Origin", ORIGIN).header("Content-Type", "application/x-www-form-urlencoded")
                .header("DPoP", dpop).POST(HttpRequest.BodyPublishers.ofString(Http.encode(form))).build());
    }

    static Map<String, String> walletLogin() {
        return form("grant_type", "password", "client_id", "wallet", "username", "alice", "password", "alice");
    }

    static void assertReadableWithNonce(Http.Response response) {
        assertEquals(ORIGIN, response.header("Access-Control-Allow-Origin"), response.headers().toString());
        String exposed = response.header("Access-Control-Expose-Headers");
        assertNotNull(exposed, response.headers().toString());
        assertTrue(exposed.contains("DPoP-Nonce") && exposed.contains("WWW-Authenticate"), exposed);
    }

    /**
     * A client not flagged "DPoP bound access tokens" has its proof handed over to Keycloak (ProofHandOff), which then
     * sees the request without the DPoP header; its other headers keep their case-insensitive names, so Keycloak's
     * CORS still finds an {@code origin} sent in lower case.
     */
    @Test
    void originInLowerCaseIsStillFoundWhenTheProofIsHandedOver() {
        Map<String, Object> client = Admin.confidentialClient("cors-unflagged-it", "cors-unflagged-secret",
                Admin.json("dpop.bound.access.tokens", "false"));
        client.put("serviceAccountsEnabled", true);
        client.put("webOrigins", List.of(ORIGIN));
        Admin.createClient(client);

        Http.Response response = Http.send(HttpRequest.newBuilder(TOKEN).timeout(Duration.ofSeconds(30))
                .header("origin", ORIGIN).header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", Http.basic("cors-unflagged-it", "cors-unflagged-secret"))
                .header("DPoP", Proofs.proof(key, "POST", TOKEN))
                .POST(HttpRequest.BodyPublishers.ofString(Http.encode(form("grant_type", "client_credentials"))))
                .build());

        assertEquals(200, response.status(), response.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(response.string("access_token")), response.toString());
        assertEquals(ORIGIN, response.header("Access-Control-Allow-Origin"), response.headers().toString());
    }

    @Test
    void useDpopNonceChallengeAndItsNonceAreReadable() {
        Http.Response challenge = post(TOKEN, walletLogin(), Proofs.proof(key, "POST", TOKEN));

        assertEquals("use_dpop_nonce", challenge.string("error"), challenge.toString());
        assertReadableWithNonce(challenge);
    }

    @Test
    void successAfterTheRetryIsReadable() {
        String nonce = post(TOKEN, walletLogin(), Proofs.proof(key, "POST", TOKEN)).header("DPoP-Nonce");

        Http.Response tokens = post(TOKEN, walletLogin(), Proofs.proofWithNonce(key, "POST", TOKEN, nonce));

        assertEquals(200, tokens.status(), tokens.toString());
        assertReadableWithNonce(tokens);
    }

    @Test
    void badProofRefusedBeforeClientAuthenticationIsReadable() {
        Http.Response refused = post(TOKEN, walletLogin(), Proofs.proof(key, "GET", TOKEN));

        assertEquals("invalid_dpop_proof", refused.string("error"), refused.toString());
        assertReadableWithNonce(refused);
    }

    @Test
    void parNonceChallengeIsReadable() {
        Http.Response challenge = post(PAR, new CodeFlow().authorizationRequest("wallet"), Proofs.proof(key, "POST", PAR));

        assertEquals("use_dpop_nonce", challenge.string("error"), challenge.toString());
        assertReadableWithNonce(challenge);
    }

    @Test
    void preflightAcceptsTheDpopHeader() {
        Http.Response preflight = Http.send(HttpRequest.newBuilder(TOKEN).timeout(Duration.ofSeconds(30))
                .header("Origin", ORIGIN).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "dpop, content-type")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());

        assertEquals(200, preflight.status(), preflight.toString());
        assertTrue(preflight.header("Access-Control-Allow-Headers").contains("DPoP"), preflight.headers().toString());
    }
}
