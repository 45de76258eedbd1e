package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URI;
import java.text.ParseException;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The proof policy an admin edits in the console: the {@code dpop-policy} executor's algorithms, maximum proof age
 * and clock skew, applied to the clients a client policy's conditions select (here a client role), or to every client
 * of the realm (condition {@code any-client}); and values the server cannot honour refused when saved, with why.
 * Each test saves profiles and policies through the Admin REST API the console uses, and removes them afterwards.
 */
class RealmPolicyIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final String SELECTED = "realm-policy-selected-it";
    static final String OTHER = "realm-policy-other-it";

    @BeforeAll
    static void clients() {
        for (String clientId : List.of(SELECTED, OTHER)) {
            Map<String, Object> client = Admin.confidentialClient(clientId, "secret", Admin.json());
            client.put("serviceAccountsEnabled", true);
            Admin.createClient(client);
        }
        assertEquals(201, Admin.call("POST", "/clients/" + Admin.clientUuid(SELECTED) + "/roles",
                Admin.json("name", "dpop-narrow")).status());
    }

    @AfterEach
    void removePolicies() {
        Admin.call("PUT", "/client-policies/policies", Admin.json("policies", List.of()));
        Admin.call("PUT", "/client-policies/profiles", Admin.json("profiles", List.of()));
    }

    static Http.Response saveProfile(Map<String, Object> configuration) {
        return Admin.call("PUT", "/client-policies/profiles", Admin.json("profiles", List.of(Admin.json(
                "name", "dpop-narrow", "executors", List.of(Admin.json("executor", "dpop-policy",
                        "configuration", configuration))))));
    }

    static void applyTo(Map<String, Object> condition) {
        assertEquals(204, Admin.call("PUT", "/client-policies/policies", Admin.json("policies", List.of(Admin.json(
                "name", "dpop-narrow", "enabled", true, "profiles", List.of("dpop-narrow"),
                "conditions", List.of(condition))))).status());
    }

    static Map<String, Object> selectedByRole() {
        return Admin.json("condition", "client-roles", "configuration", Admin.json("roles", List.of("dpop-narrow")));
    }

    static Map<String, Object> everyClient() {
        return Admin.json("condition", "any-client", "configuration", Admin.json());
    }

    static Http.Response serviceToken(String clientId, String proof) {
        return Http.postForm(TOKEN, form("grant_type", "client_credentials"), basic(clientId, "secret"), List.of(proof));
    }

    static String es384Proof() {
        return Proofs.proof(Proofs.ecKey(Curve.P_384), JWSAlgorithm.ES384, "POST", TOKEN);
    }

    static String proofIssuedSecondsAgo(int seconds) {
        return Proofs.crafted(Proofs.ecKey(), "POST", TOKEN,
                claims -> claims.issueTime(new Date(System.currentTimeMillis() - seconds * 1000L)));
    }

    static void assertRefused(Http.Response response, String descriptionPart) {
        assertEquals(400, response.status(), response.toString());
        assertEquals("invalid_dpop_proof", response.string("error"), response.toString());
        assertTrue(response.string("error_description").contains(descriptionPart), response.toString());
    }

    @Test
    void algorithmsNarrowedForTheSelectedClientsOnly() {
        assertEquals(204, saveProfile(Admin.json("algorithms", List.of("ES256", "EdDSA"))).status());
        applyTo(selectedByRole());

        assertRefused(serviceToken(SELECTED, es384Proof()), "ES384 is not allowed for this client; allowed: ES256, EdDSA");
        assertEquals(200, serviceToken(SELECTED, Proofs.proof(Proofs.ecKey(), "POST", TOKEN)).status());
        assertEquals(200, serviceToken(OTHER, es384Proof()).status());
    }

    @Test
    void proofAgeNarrowedForTheSelectedClientsOnly() {
        assertEquals(204, saveProfile(Admin.json("max-age", "2", "clock-skew", "1")).status());
        applyTo(selectedByRole());

        assertRefused(serviceToken(SELECTED, proofIssuedSecondsAgo(6)), "older than this client's policy allows (2 s");
        assertEquals(200, serviceToken(SELECTED, proofIssuedSecondsAgo(1)).status());
        assertEquals(200, serviceToken(OTHER, proofIssuedSecondsAgo(6)).status(), "server-wide window: 10 s + 10 s");
    }

    @Test
    void clockSkewNarrowedForTheSelectedClients() {
        assertEquals(204, saveProfile(Admin.json("clock-skew", "1")).status());
        applyTo(selectedByRole());

        String fromTheFuture = Proofs.crafted(Proofs.ecKey(), "POST", TOKEN,
                claims -> claims.issueTime(new Date(System.currentTimeMillis() + 6000)));
        assertRefused(serviceToken(SELECTED, fromTheFuture), "in the future");
        assertEquals(200, serviceToken(OTHER, Proofs.crafted(Proofs.ecKey(), "POST", TOKEN,
                claims -> claims.issueTime(new Date(System.currentTimeMillis() + 6000)))).status());
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyClientPolicyNarrowsTheRealmDiscoveryAndChallenges() {
        assertEquals(204, saveProfile(Admin.json("algorithms", List.of("ES256", "EdDSA"))).status());
        applyTo(everyClient());

        Http.Response metadata = Http.get(KC.realmUri(".well-known/openid-configuration"), Map.of());
        assertEquals(new TreeSet<>(List.of("ES256", "EdDSA")),
                new TreeSet<>((List<String>) metadata.json().get("dpop_signing_alg_values_supported")));
        Http.Response refusal = serviceToken(OTHER, es384Proof());
        assertEquals(400, refusal.status(), refusal.toString());
        assertEquals("invalid_dpop_proof", refusal.string("error"), refusal.toString());
        Http.Response userinfo = Http.get(KC.realmUri("protocol/openid-connect/userinfo"), Map.of());
        assertEquals(401, userinfo.status(), userinfo.toString());
        assertTrue(userinfo.headers("WWW-Authenticate").contains("DPoP algs=\"ES256 EdDSA\""), userinfo.toString());

        removePolicies();
        Http.Response restored = Http.get(KC.realmUri(".well-known/openid-configuration"), Map.of());
        assertEquals(new TreeSet<>(KeycloakServer.ALGORITHMS),
                new TreeSet<>((List<String>) restored.json().get("dpop_signing_alg_values_supported")));
    }

    @Test
    void disabledPolicyChangesNothing() {
        assertEquals(204, saveProfile(Admin.json("algorithms", List.of("ES256"))).status());
        assertEquals(204, Admin.call("PUT", "/client-policies/policies", Admin.json("policies", List.of(Admin.json(
                "name", "dpop-narrow", "enabled", false, "profiles", List.of("dpop-narrow"),
                "conditions", List.of(everyClient()))))).status());

        assertEquals(200, serviceToken(SELECTED, es384Proof()).status());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"max-age\": \"30\"}|the maximum proof age must be between 1 and 10 seconds, not 30",
            "{\"max-age\": \"0\"}|the maximum proof age must be between 1 and 10 seconds, not 0",
            "{\"clock-skew\": \"20\"}|the clock skew must be between 0 and 10 seconds, not 20",
            "{\"clock-skew\": \"-1\"}|the clock skew must be between 0 and 10 seconds, not -1",
            "{\"max-age\": \"ten\"}|the maximum proof age must be a whole number of seconds",
            "{\"algorithms\": [\"HS256\"]}|this server does not accept proofs signed with HS256",
            "{\"algorithms\": [\"ES256\", \"RS512\"]}|this server does not accept proofs signed with RS512",
            "{\"algorithms\": [\"none\"]}|this server does not accept proofs signed with none"})
    void valueTheServerCannotHonourIsRefusedWhenSaved(String configuration, String why) throws ParseException {
        Http.Response response = saveProfile(JSONObjectUtils.parse(configuration));

        assertEquals(400, response.status(), response.toString());
        assertEquals("invalid_dpop_policy", response.string("error"), response.toString());
        assertTrue(response.string("error_description").contains("Profile dpop-narrow: DPoP policy: " + why),
                response.toString());
        assertEquals(response.string("error_description"), response.string("errorMessage"));
        Http.Response saved = Admin.call("GET", "/client-policies/profiles", null);
        assertTrue(!saved.body().contains("dpop-narrow"), "nothing saved: " + saved);
    }

    @Test
    void aCallerKeycloakWouldNotLetSaveGetsKeycloaksAnswer() {
        // alice has no admin role: Keycloak answers 403 before any validation, and so does the plugin
        Http.Response login = Http.postForm(KC.tokenEndpoint(), form("grant_type", "password", "username", "alice",
                "password", "alice"), basic("legacy", "legacy-secret"), List.of());
        assertEquals(200, login.status(), login.toString());
        Http.Response response = Admin.call(KC.baseUri, login.string("access_token"), "PUT", "/client-policies/profiles",
                Admin.json("profiles", List.of(Admin.json("name", "dpop-narrow", "executors", List.of(Admin.json(
                        "executor", "dpop-policy", "configuration", Admin.json("max-age", "30")))))));

        assertEquals(403, response.status(), response.toString());
        assertTrue(!response.body().contains("dpop"), "no policy detail for a caller without rights: " + response);
    }

    @Test
    void aProfilesDocumentOverOneMebibyteIsSavedWhole() {
        // nothing of the body is cut: Keycloak reads what it would have read without the plugin
        String description = "x".repeat(1_200_000);
        Http.Response response = Admin.call("PUT", "/client-policies/profiles", Admin.json("profiles", List.of(Admin.json(
                "name", "dpop-narrow", "description", description, "executors", List.of(Admin.json(
                        "executor", "dpop-policy", "configuration", Admin.json("max-age", "5")))))));

        assertEquals(204, response.status(), response.toString());
        Http.Response saved = Admin.call("GET", "/client-policies/profiles", null);
        assertTrue(saved.body().contains(description), "saved whole");
        assertEquals(204, Admin.call("PUT", "/client-policies/profiles", Admin.json("profiles", List.of())).status());
    }

    @Test
    @SuppressWarnings("unchecked")
    void adminConsoleHasTheExecutorsLabelsAndHelpTexts() throws ParseException {
        Http.Response messages = Http.get(KC.baseUri.resolve("resources/" + KeycloakServer.REALM + "/admin/en"), Map.of());

        assertEquals(200, messages.status(), messages.toString());
        Map<String, String> byKey = new java.util.HashMap<>();
        for (Object entry : com.nimbusds.jose.util.JSONArrayUtils.parse(messages.body())) {
            Map<String, Object> pair = (Map<String, Object>) entry;
            byKey.put((String) pair.get("key"), (String) pair.get("value"));
        }
        assertEquals("Require DPoP nonces", byKey.get("dpopPolicyRequireNonce"));
        assertEquals("Allowed proof algorithms", byKey.get("dpopPolicyAlgorithms"));
        assertEquals("Maximum proof age (seconds)", byKey.get("dpopPolicyMaxAge"));
        assertTrue(byKey.get("dpopPolicyClockSkewHelp").contains("--spi-dpop-policy--default--clock-skew"));
    }
}
