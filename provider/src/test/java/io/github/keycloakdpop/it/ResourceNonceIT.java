package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static io.github.keycloakdpop.it.ResourceClient.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.JSONArrayUtils;
import java.net.URI;
import java.text.ParseException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Resource-server nonces (RFC 9449 §9) at userinfo and the account REST API, switched on for the demo realm by its
 * attribute {@code keycloak-dpop.resource-nonce=always} (the server-wide default is off). The nonces come from a
 * secret of their own (key provider {@code dpop-resource-nonce-secret}), so the authorization server's nonces are no
 * good here and these are no good at the token endpoint. Plain Keycloak has no nonces: every test that expects
 * {@code use_dpop_nonce} or a {@code DPoP-Nonce} header fails without the plugin.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ResourceNonceIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI USERINFO = KC.realmUri("protocol/openid-connect/userinfo");
    static final URI ACCOUNT = KC.realmUri("account");
    static final URI TOKEN = KC.tokenEndpoint();
    static final String ATTRIBUTE = "keycloak-dpop.resource-nonce";
    static final String MISSING =
            "Resource server requires a nonce in the DPoP proof: use the one in the DPoP-Nonce header";
    static final String NOT_VALID =
            "DPoP proof nonce is not valid or has expired: use the one in the DPoP-Nonce header";

    final ECKey key = Proofs.ecKey();
    final String token = ResourceClient.boundAccessToken(key);

    @BeforeEach
    void realmHoldsItsResourceEndpointsToNonces() {
        Admin.setRealmAttribute(ATTRIBUTE, "always");
    }

    @AfterEach
    void restoreTheRealm() {
        Admin.setRealmAttribute(ATTRIBUTE, null);
    }

    Http.Response userinfo(String proof) {
        return get(USERINFO, "DPoP " + token, proof);
    }

    Http.Response userinfoWithNonce(String nonce) {
        return userinfo(Proofs.proofWithNonce(key, "GET", USERINFO, token, nonce));
    }

    /** A nonce of the resource endpoints, from the challenge to a proof without one. */
    String resourceNonce() {
        Http.Response challenge = userinfo(Proofs.proof(key, "GET", USERINFO, token));
        assertUseDpopNonce(challenge, MISSING);
        return challenge.header("DPoP-Nonce");
    }

    static void assertUseDpopNonce(Http.Response response, String description) {
        assertEquals(401, response.status(), response.toString());
        assertEquals(List.of("DPoP error=\"use_dpop_nonce\", error_description=\"" + description + "\", algs=\""
                + ResourceClient.algs() + "\"", "Bearer"), response.headers("WWW-Authenticate"));
        assertEquals("use_dpop_nonce", response.string("error"), response.toString());
        assertEquals(1, response.headers("DPoP-Nonce").size(), "exactly one DPoP-Nonce header: " + response.headers());
    }

    @Test
    void proofWithoutNonceIsAnsweredWithUseDpopNonceAndANonce() {
        Http.Response response = userinfo(Proofs.proof(key, "GET", USERINFO, token));

        assertUseDpopNonce(response, MISSING);
        assertEquals(32, response.header("DPoP-Nonce").length(), response.header("DPoP-Nonce"));
    }

    @Test
    void clientRetryingOnceWithTheNonceGetsUserinfo() {
        Http.Response response = userinfoWithNonce(resourceNonce());

        assertEquals(200, response.status(), response.toString());
        assertEquals("alice", response.string("preferred_username"));
        // RFC 9449 §9 with §8.2: the current nonce on every success, once, uncacheable
        assertEquals(1, response.headers("DPoP-Nonce").size(), response.toString());
        assertEquals(32, response.header("DPoP-Nonce").length(), response.toString());
        assertEquals("no-store", response.header("Cache-Control"), response.toString());
    }

    @Test
    void forgedNonceIsRefusedWithAFreshOne() {
        Http.Response response = userinfoWithNonce("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

        assertUseDpopNonce(response, NOT_VALID);
        assertNotEquals("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", response.header("DPoP-Nonce"));
    }

    @Test
    void staleNonceIsRefusedWithAFreshOne() {
        String nonce = resourceNonce();
        NonceIT.sleepIntoNextStep(2);

        Http.Response response = userinfoWithNonce(nonce);

        assertUseDpopNonce(response, NOT_VALID);
        assertNotEquals(nonce, response.header("DPoP-Nonce"));
    }

    @Test
    void nonceOfThePreviousStepIsAcceptedAndRenewedReadablyForABrowser() {
        String nonce = NonceIT.issuedWithinOneStep(this::resourceNonce);
        NonceIT.sleepIntoNextStep(1);

        Http.Response response = Http.request("GET", USERINFO, null, "Authorization", "DPoP " + token,
                "DPoP", Proofs.proofWithNonce(key, "GET", USERINFO, token, nonce), "Origin", "http://localhost");

        assertEquals(200, response.status(), response.toString());
        assertNotNull(response.header("DPoP-Nonce"), "the client is told to switch to a newer nonce");
        assertNotEquals(nonce, response.header("DPoP-Nonce"));
        assertEquals("http://localhost", response.header("Access-Control-Allow-Origin"), response.headers().toString());
        assertTrue(response.header("Access-Control-Expose-Headers").contains("DPoP-Nonce"),
                response.headers().toString());
        assertEquals(200, userinfoWithNonce(response.header("DPoP-Nonce")).status());
    }

    @Test
    void authorizationServerNonceIsRefusedAtUserinfo() {
        String asNonce = NonceIT.walletLogin(List.of(Proofs.proof(key, "POST", TOKEN))).header("DPoP-Nonce");
        assertEquals(200, NonceIT.walletLogin(List.of(Proofs.proofWithNonce(key, "POST", TOKEN, asNonce))).status(),
                "the nonce is good at the token endpoint");

        Http.Response response = userinfoWithNonce(asNonce);

        assertUseDpopNonce(response, NOT_VALID);
    }

    @Test
    void resourceNonceIsRefusedAtTheTokenEndpoint() {
        String nonce = resourceNonce();
        assertEquals(200, userinfoWithNonce(nonce).status(), "the nonce is good at userinfo");

        Http.Response response = NonceIT.walletLogin(List.of(Proofs.proofWithNonce(key, "POST", TOKEN, nonce)));

        NonceIT.assertUseDpopNonce(response);
        assertNotEquals(nonce, response.header("DPoP-Nonce"));
    }

    @Test
    void accountApiFollowsTheSamePolicyAndTakesTheSameNonces() {
        Http.Response challenge = AccountApiIT.get(ACCOUNT, "DPoP " + token, Proofs.proof(key, "GET", ACCOUNT, token));
        assertUseDpopNonce(challenge, MISSING);

        Http.Response profile = AccountApiIT.get(ACCOUNT, "DPoP " + token,
                Proofs.proofWithNonce(key, "GET", ACCOUNT, token, challenge.header("DPoP-Nonce")));
        Http.Response fromUserinfo = AccountApiIT.get(ACCOUNT, "DPoP " + token,
                Proofs.proofWithNonce(key, "GET", ACCOUNT, token, resourceNonce()));

        assertEquals(200, profile.status(), profile.toString());
        assertEquals("alice", profile.string("username"));
        assertEquals(200, fromUserinfo.status(), fromUserinfo.toString());
    }

    @Test
    void browserClientCanReadTheChallengeAndItsNonce() {
        Http.Response challenge = Http.request("GET", USERINFO, null, "Authorization", "DPoP " + token,
                "DPoP", Proofs.proof(key, "GET", USERINFO, token), "Origin", "http://localhost");

        assertUseDpopNonce(challenge, MISSING);
        assertEquals("http://localhost", challenge.header("Access-Control-Allow-Origin"),
                challenge.headers().toString());
        String exposed = challenge.header("Access-Control-Expose-Headers");
        assertTrue(exposed != null && exposed.contains("DPoP-Nonce") && exposed.contains("WWW-Authenticate"),
                challenge.headers().toString());
    }

    @Test
    void bearerRequestsCarryNoProofAndNeedNoNonce() {
        String unbound = Http.postForm(TOKEN, form("grant_type", "password", "username", "alice", "password", "alice",
                "scope", "openid"), basic("legacy", "legacy-secret"), List.of()).string("access_token");

        Http.Response response = get(USERINFO, "Bearer " + unbound);

        assertEquals(200, response.status(), response.toString());
        assertNull(response.header("DPoP-Nonce"));
    }

    @Test
    void unknownRealmValueHoldsProofsToNonces() {
        Admin.setRealmAttribute(ATTRIBUTE, "sometimes");

        assertUseDpopNonce(userinfo(Proofs.proof(key, "GET", USERINFO, token)), MISSING);
    }

    @Test
    void offByDefault() {
        Admin.setRealmAttribute(ATTRIBUTE, null);

        Http.Response withoutNonce = userinfo(Proofs.proof(key, "GET", USERINFO, token));
        Http.Response withForgedNonce = userinfoWithNonce("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

        assertEquals("off", PluginStartupIT.pluginServerInfo(KC).get("resource-nonce"));
        assertEquals(200, withoutNonce.status(), withoutNonce.toString());
        assertNull(withoutNonce.header("DPoP-Nonce"));
        assertEquals(200, withForgedNonce.status(), withForgedNonce.toString());
        assertNull(withForgedNonce.header("DPoP-Nonce"));
    }

    @Test
    @Order(Integer.MAX_VALUE) // rotates the realm's resource nonce secret: last
    void afterKeyRotationOldNoncesStayValidUntilTheOldSecretIsRemoved() {
        String oldNonce = resourceNonce();
        NonceIT.walletLogin(List.of(Proofs.proof(key, "POST", TOKEN))); // the AS secret exists too
        List<String> oldComponents = components("dpop-resource-nonce-secret");
        List<String> authorizationServerComponents = components("dpop-nonce-secret");
        assertEquals(1, oldComponents.size(), "created on first use: " + oldComponents);
        assertEquals(1, authorizationServerComponents.size(), authorizationServerComponents.toString());
        Admin.call("POST", "/components", Admin.json("name", "dpop-resource-nonce-secret-rotated",
                "providerId", "dpop-resource-nonce-secret", "providerType", "org.keycloak.keys.KeyProvider",
                "config", Map.of("priority", List.of("200"))));

        Http.Response withOld = userinfoWithNonce(oldNonce);
        assertEquals(200, withOld.status(), withOld.toString());
        String newNonce = withOld.header("DPoP-Nonce");
        assertNotNull(newNonce, "the client is moved to a nonce of the new secret");
        assertEquals(200, userinfoWithNonce(newNonce).status());

        Admin.call("DELETE", "/components/" + oldComponents.get(0), null);
        assertUseDpopNonce(userinfoWithNonce(oldNonce), NOT_VALID);
        assertEquals(200, userinfoWithNonce(newNonce).status());
        assertEquals(authorizationServerComponents, components("dpop-nonce-secret"), "the AS secret is not touched");
    }

    /** The ids of the demo realm's key providers of one kind. */
    @SuppressWarnings("unchecked")
    static List<String> components(String providerId) {
        Http.Response components = Admin.call("GET", "/components?type=org.keycloak.keys.KeyProvider", null);
        try {
            return JSONArrayUtils.parse(components.body()).stream().map(c -> (Map<String, Object>) c)
                    .filter(c -> providerId.equals(c.get("providerId"))).map(c -> (String) c.get("id")).toList();
        } catch (ParseException e) {
            throw new AssertionError(components.toString(), e);
        }
    }
}
