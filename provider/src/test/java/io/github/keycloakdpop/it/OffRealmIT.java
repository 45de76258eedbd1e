package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --spi-dpop-policy--default--off-realms}: the test server names {@value #OFF}, which then gets Keycloak's
 * built-in DPoP alone, while its twin {@value #ON}, created with the same settings, gets the plugin. The load
 * benchmark compares the two in one server; these tests show that the switch is the only difference.
 */
class OffRealmIT {

    static final String OFF = KeycloakServer.OFF_REALM;
    static final String ON = "dpop-off-twin";
    static final KeycloakServer KC = KeycloakServer.get();
    static final ECKey KEY = Proofs.ecKey();

    @BeforeAll
    static void createTwinRealms() {
        for (String realm : List.of(OFF, ON)) {
            Map<String, Object> client = Admin.json("clientId", "service", "protocol", "openid-connect",
                    "publicClient", false, "clientAuthenticatorType", "client-secret", "secret", "service-secret",
                    "standardFlowEnabled", false, "serviceAccountsEnabled", true,
                    "attributes", Admin.json("dpop.bound.access.tokens", "true"));
            // nonces for every client of the realm: the plugin asks for one, Keycloak 26.7.3 never does
            Map<String, Object> representation = Admin.json("realm", realm, "enabled", true,
                    "attributes", Admin.json("keycloak-dpop.nonce", "always"), "clients", List.of(client));
            Http.Response created = Http.send(HttpRequest.newBuilder(KC.baseUri.resolve("/admin/realms"))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + Admin.token())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSONObjectUtils.toJSONString(representation))).build());
            assertEquals(201, created.status(), created.toString());
        }
    }

    static URI token(String realm) {
        return KC.baseUri.resolve("/realms/" + realm + "/protocol/openid-connect/token");
    }

    static Http.Response clientCredentials(String realm, String proof) {
        return Http.postForm(token(realm), form("grant_type", "client_credentials"), basic("service", "service-secret"),
                List.of(proof));
    }

    @Test
    void aProofWithoutNonceIsServedByKeycloakAloneInTheOffRealm() {
        Http.Response off = clientCredentials(OFF, Proofs.proof(KEY, "POST", token(OFF)));
        Http.Response on = clientCredentials(ON, Proofs.proof(KEY, "POST", token(ON)));

        assertEquals(200, off.status(), off.toString());
        assertEquals("DPoP", off.string("token_type"));
        assertEquals(Proofs.jkt(KEY), Tokens.cnfJkt(off.string("access_token")), "Keycloak still binds the token");
        assertNull(off.header("DPoP-Nonce"));
        assertEquals(400, on.status(), on.toString());
        assertEquals("use_dpop_nonce", on.string("error"));
        assertNotNull(on.header("DPoP-Nonce"));
    }

    @Test
    void aBadProofGetsKeycloaksOwnAnswerInTheOffRealm() {
        // typ "JWT": the plugin answers invalid_dpop_proof, Keycloak 26.7.3 invalid_request
        Http.Response off = clientCredentials(OFF, Proofs.crafted(KEY, JWSAlgorithm.ES256, "POST", token(OFF),
                h -> h.type(JOSEObjectType.JWT), c -> { }));
        Http.Response on = clientCredentials(ON, Proofs.crafted(KEY, JWSAlgorithm.ES256, "POST", token(ON),
                h -> h.type(JOSEObjectType.JWT), c -> { }));

        assertEquals(400, off.status(), off.toString());
        assertEquals("invalid_request", off.string("error"), off.toString());
        assertEquals(400, on.status(), on.toString());
        assertEquals("invalid_dpop_proof", on.string("error"), on.toString());
    }

    @Test
    void theServerLogsWhichRealmsAreOff() {
        assertTrue(KC.logText().contains("keycloak-dpop is off in realms [" + OFF + "]"), KC.logTail());
    }
}
