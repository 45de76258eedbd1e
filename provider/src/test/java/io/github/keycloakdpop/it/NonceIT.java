package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Authorization-server nonces (RFC 9449 §8, §11.3): the demo realm's {@code wallet} client must put a server nonce
 * in its proofs. Plain Keycloak has no nonces (its issue #39042), so every test here that expects
 * {@code use_dpop_nonce} or a {@code DPoP-Nonce} header fails without the plugin. The test server runs with
 * {@value KeycloakServer#NONCE_STEP_SECONDS}-second nonce steps so that nonces age quickly.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NonceIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final URI PAR = KC.realmUri("protocol/openid-connect/ext/par/request");
    static final String CONFIDENTIAL = "nonce-confidential-it";

    final ECKey key = Proofs.ecKey();

    @BeforeAll
    static void confidentialClientThatRequiresNonces() {
        Map<String, Object> client = Admin.confidentialClient(CONFIDENTIAL, "nonce-secret",
                Admin.json("dpop.nonce.required", "true"));
        client.put("serviceAccountsEnabled", true);
        Admin.createClient(client);
    }

    static Http.Response walletLogin(List<String> dpop) {
        return Http.postForm(TOKEN, form("grant_type", "password", "client_id", "wallet", "username", "alice",
                "password", "alice", "scope", "openid"), null, dpop);
    }

    static void assertUseDpopNonce(Http.Response response) {
        assertEquals(400, response.status(), response.toString());
        assertEquals("use_dpop_nonce", response.string("error"), response.toString());
        assertNull(response.json().get("access_token"));
        assertEquals(1, response.headers().entrySet().stream().filter(h -> h.getKey().equalsIgnoreCase("DPoP-Nonce"))
                .mapToInt(h -> h.getValue().size()).sum(), "exactly one DPoP-Nonce header: " + response.headers());
    }

    /** Like panva's oauth4webapi: on use_dpop_nonce, retry once with the nonce from the DPoP-Nonce header. */
    Http.Response walletLoginRetryingOnce() {
        Http.Response first = walletLogin(List.of(Proofs.proof(key, "POST", TOKEN)));
        assertUseDpopNonce(first);
        return walletLogin(List.of(Proofs.proofWithNonce(key, "POST", TOKEN, first.header("DPoP-Nonce"))));
    }

    @Test
    void proofWithoutNonceIsAnsweredWithUseDpopNonceAndANonce() {
        Http.Response response = walletLogin(List.of(Proofs.proof(key, "POST", TOKEN)));

        assertUseDpopNonce(response);
        assertNotNull(response.header("DPoP-Nonce"));
    }

    @Test
    void clientRetryingOnceWithTheNonceGetsABoundToken() {
        Http.Response response = walletLoginRetryingOnce();

        assertEquals(200, response.status(), response.toString());
        assertEquals("DPoP", response.string("token_type"));
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(response.string("access_token")));
        // RFC 9449 §8.2: the current nonce on every success, once, uncacheable
        assertEquals(1, response.headers("DPoP-Nonce").size(), response.toString());
        assertEquals(32, response.header("DPoP-Nonce").length(), response.toString());
        assertEquals("no-store", response.header("Cache-Control"), response.toString());
    }

    @Test
    void forgedNonceIsRefusedWithAFreshOne() {
        Http.Response response = walletLogin(List.of(Proofs.proofWithNonce(key, "POST", TOKEN,
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")));

        assertUseDpopNonce(response);
        assertNotEquals("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", response.header("DPoP-Nonce"));
    }

    @Test
    void nonceOfThePreviousStepIsAcceptedAndRenewed() {
        String nonce = issuedWithinOneStep(() -> walletLogin(List.of(Proofs.proof(key, "POST", TOKEN))).header("DPoP-Nonce"));
        sleepIntoNextStep(1);

        Http.Response response = walletLogin(List.of(Proofs.proofWithNonce(key, "POST", TOKEN, nonce)));

        assertEquals(200, response.status(), response.toString());
        assertNotNull(response.header("DPoP-Nonce"), "the client is told to switch to a newer nonce");
        assertNotEquals(nonce, response.header("DPoP-Nonce"));
    }

    @Test
    void staleNonceIsRefusedWithAFreshOne() {
        String nonce = walletLogin(List.of(Proofs.proof(key, "POST", TOKEN))).header("DPoP-Nonce");
        sleepIntoNextStep(2);

        Http.Response response = walletLogin(List.of(Proofs.proofWithNonce(key, "POST", TOKEN, nonce)));

        assertUseDpopNonce(response);
        assertEquals("DPoP proof nonce is not valid or has expired: use the one in the DPoP-Nonce header",
                response.string("error_description"));
    }

    @Test
    void codeIsNotUsedUpByTheNonceChallenge() {
        CodeFlow browser = new CodeFlow();
        String code = browser.code(browser.authorizationRequest("wallet"));
        Map<String, String> redeem = form("grant_type", "authorization_code", "client_id", "wallet", "code", code,
                "redirect_uri", CodeFlow.REDIRECT_URI, "code_verifier", browser.verifier);

        Http.Response challenge = Http.postForm(TOKEN, redeem, null, List.of(Proofs.proof(key, "POST", TOKEN)));
        assertUseDpopNonce(challenge);
        Http.Response retry = Http.postForm(TOKEN, redeem, null,
                List.of(Proofs.proofWithNonce(key, "POST", TOKEN, challenge.header("DPoP-Nonce"))));

        assertEquals(200, retry.status(), retry.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(retry.string("access_token")));
    }

    @Test
    void parRequiresTheNonceToo() {
        Map<String, String> request = new CodeFlow().authorizationRequest("wallet");

        Http.Response challenge = Http.postForm(PAR, request, null, List.of(Proofs.proof(key, "POST", PAR)));
        assertUseDpopNonce(challenge);
        Http.Response retry = Http.postForm(PAR, request, null,
                List.of(Proofs.proofWithNonce(key, "POST", PAR, challenge.header("DPoP-Nonce"))));

        assertEquals(201, retry.status(), retry.toString());
        assertNotNull(retry.string("request_uri"));
    }

    @Test
    void clientsNotRequiredToUseNoncesAreNeverGivenOne() {
        // RFC 9449 §11.3: a client given a nonce must be held to it, so only clients held to nonces get one.
        Http.Response spa = Http.postForm(TOKEN, form("grant_type", "password", "client_id", "spa",
                "username", "alice", "password", "alice"), null, List.of(Proofs.proof(key, "POST", TOKEN)));
        Http.Response withNonceClaim = Http.postForm(TOKEN, form("grant_type", "password", "client_id", "spa",
                "username", "alice", "password", "alice"), null,
                List.of(Proofs.proofWithNonce(key, "POST", TOKEN, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")));

        assertEquals(200, spa.status(), spa.toString());
        assertNull(spa.header("DPoP-Nonce"));
        assertEquals(200, withNonceClaim.status(), withNonceClaim.toString());
        assertNull(withNonceClaim.header("DPoP-Nonce"));
    }

    @Test
    void unauthenticatedCallerLearnsNothingAboutTheNonceRequirement() {
        Http.Response wrongSecret = Http.postForm(TOKEN, form("grant_type", "client_credentials"),
                basic(CONFIDENTIAL, "wrong"), List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(401, wrongSecret.status(), wrongSecret.toString());
        assertEquals("unauthorized_client", wrongSecret.string("error"));
        assertNull(wrongSecret.header("DPoP-Nonce"));
    }

    @Test
    void confidentialClientRequiredToUseNoncesRetriesOnce() {
        Http.Response challenge = Http.postForm(TOKEN, form("grant_type", "client_credentials"),
                basic(CONFIDENTIAL, "nonce-secret"), List.of(Proofs.proof(key, "POST", TOKEN)));
        assertUseDpopNonce(challenge);

        Http.Response retry = Http.postForm(TOKEN, form("grant_type", "client_credentials"),
                basic(CONFIDENTIAL, "nonce-secret"),
                List.of(Proofs.proofWithNonce(key, "POST", TOKEN, challenge.header("DPoP-Nonce"))));

        assertEquals(200, retry.status(), retry.toString());
    }

    /** "always", and a value the plugin does not know ("of" for "off"): a typo must not switch nonces off. */
    @ParameterizedTest
    @ValueSource(strings = {"always", "of"})
    void realmModeAlwaysOrUnknownHoldsEveryClientToNonces(String mode) {
        Admin.setRealmAttribute("keycloak-dpop.nonce", mode);
        try {
            Http.Response spa = Http.postForm(TOKEN, form("grant_type", "password", "client_id", "spa",
                    "username", "alice", "password", "alice"), null, List.of(Proofs.proof(key, "POST", TOKEN)));
            assertUseDpopNonce(spa);
        } finally {
            Admin.setRealmAttribute("keycloak-dpop.nonce", null);
        }
    }

    @Test
    void realmModeOffHoldsNoClientToNonces() {
        Admin.setRealmAttribute("keycloak-dpop.nonce", "off");
        try {
            Http.Response wallet = walletLogin(List.of(Proofs.proof(key, "POST", TOKEN)));
            assertEquals(200, wallet.status(), wallet.toString());
            assertNull(wallet.header("DPoP-Nonce"));
        } finally {
            Admin.setRealmAttribute("keycloak-dpop.nonce", null);
        }
    }

    @Test
    @Order(Integer.MAX_VALUE) // rotates the realm's nonce secret: last
    void afterKeyRotationOldNoncesStayValidUntilTheOldSecretIsRemoved() {
        String oldNonce = walletLogin(List.of(Proofs.proof(key, "POST", TOKEN))).header("DPoP-Nonce");
        String oldComponent = nonceSecretComponents().get(0);
        Admin.call("POST", "/components", Admin.json("name", "dpop-nonce-secret-rotated",
                "providerId", "dpop-nonce-secret", "providerType", "org.keycloak.keys.KeyProvider",
                "config", Map.of("priority", List.of("200"))));

        Http.Response withOld = walletLogin(List.of(Proofs.proofWithNonce(key, "POST", TOKEN, oldNonce)));
        assertEquals(200, withOld.status(), withOld.toString());
        String newNonce = withOld.header("DPoP-Nonce");
        assertNotNull(newNonce, "the client is moved to a nonce of the new secret");
        assertEquals(200, walletLogin(List.of(Proofs.proofWithNonce(key, "POST", TOKEN, newNonce))).status());

        Admin.call("DELETE", "/components/" + oldComponent, null);
        assertUseDpopNonce(walletLogin(List.of(Proofs.proofWithNonce(key, "POST", TOKEN, oldNonce))));
        assertEquals(200, walletLogin(List.of(Proofs.proofWithNonce(key, "POST", TOKEN, newNonce))).status());
    }

    @SuppressWarnings("unchecked")
    static List<String> nonceSecretComponents() {
        Http.Response components = Admin.call("GET", "/components?type=org.keycloak.keys.KeyProvider", null);
        List<Object> all;
        try {
            all = com.nimbusds.jose.util.JSONArrayUtils.parse(components.body());
        } catch (java.text.ParseException e) {
            throw new AssertionError(components.toString(), e);
        }
        return all.stream().map(c -> (Map<String, Object>) c)
                .filter(c -> "dpop-nonce-secret".equals(c.get("providerId")))
                .map(c -> (String) c.get("id")).toList();
    }

    /** Waits until {@code steps} nonce-step boundaries have passed (plus a little). */
    /**
     * A nonce from {@code issue}, asked again if the request straddled a step boundary: the nonce's step is then the
     * step the test is in, so {@link #sleepIntoNextStep}(1) makes it exactly one step old, not two.
     */
    static String issuedWithinOneStep(java.util.function.Supplier<String> issue) {
        long stepMillis = KeycloakServer.NONCE_STEP_SECONDS * 1000L;
        while (true) {
            long step = System.currentTimeMillis() / stepMillis;
            String nonce = issue.get();
            if (System.currentTimeMillis() / stepMillis == step) {
                return nonce;
            }
        }
    }

    static void sleepIntoNextStep(int steps) {
        long stepMillis = KeycloakServer.NONCE_STEP_SECONDS * 1000L;
        long now = System.currentTimeMillis();
        long target = (now / stepMillis + steps) * stepMillis + 300;
        try {
            Thread.sleep(target - now);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
