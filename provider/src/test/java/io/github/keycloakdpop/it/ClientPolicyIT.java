package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static io.github.keycloakdpop.it.Refusals.assertInvalidProof;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-client DPoP settings the way an admin sets them: a client profile with the {@code dpop-policy} executor and a
 * client policy whose condition (here: the client has the client role {@code dpop-strict}) selects the clients
 * (Realm settings → Client policies), created through the same Admin REST API the admin console uses.
 */
class ClientPolicyIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final String STRICT = "policy-strict-it";
    static final String OTHER = "policy-other-it";

    final ECKey key = Proofs.ecKey();

    @BeforeAll
    static void strictClientsPolicy() {
        for (String clientId : List.of(STRICT, OTHER)) {
            Map<String, Object> client = Admin.confidentialClient(clientId, "secret", Admin.json());
            client.put("serviceAccountsEnabled", true);
            client.put("directAccessGrantsEnabled", true);
            Admin.createClient(client);
        }
        assertEquals(201, Admin.call("POST", "/clients/" + Admin.clientUuid(STRICT) + "/roles",
                Admin.json("name", "dpop-strict")).status());
        assertEquals(204, Admin.call("PUT", "/client-policies/profiles", Admin.json("profiles", List.of(Admin.json(
                "name", "dpop-strict", "description", "DPoP with nonces and pinned refreshes",
                "executors", List.of(Admin.json("executor", "dpop-policy",
                        "configuration", Admin.json("require-nonce", true, "pin-confidential-clients", true))))))).status());
        assertEquals(204, Admin.call("PUT", "/client-policies/policies", Admin.json("policies", List.of(Admin.json(
                "name", "dpop-strict-clients", "enabled", true, "profiles", List.of("dpop-strict"),
                "conditions", List.of(Admin.json("condition", "client-roles",
                        "configuration", Admin.json("roles", List.of("dpop-strict")))))))).status());
    }

    @AfterAll
    static void removePolicy() {
        Admin.call("PUT", "/client-policies/policies", Admin.json("policies", List.of()));
        Admin.call("PUT", "/client-policies/profiles", Admin.json("profiles", List.of()));
    }

    static Http.Response serviceToken(String clientId, String proof) {
        return Http.postForm(TOKEN, form("grant_type", "client_credentials"), basic(clientId, "secret"), List.of(proof));
    }

    @Test
    void clientSelectedByThePolicyMustUseNonces() {
        Http.Response challenge = serviceToken(STRICT, Proofs.proof(key, "POST", TOKEN));
        assertEquals(400, challenge.status(), challenge.toString());
        assertEquals("use_dpop_nonce", challenge.string("error"), challenge.toString());

        Http.Response retry = serviceToken(STRICT, Proofs.proofWithNonce(key, "POST", TOKEN, challenge.header("DPoP-Nonce")));

        assertEquals(200, retry.status(), retry.toString());
    }

    @Test
    void clientTheConditionDoesNotSelectIsLeftAlone() {
        Http.Response response = serviceToken(OTHER, Proofs.proof(key, "POST", TOKEN));

        assertEquals(200, response.status(), response.toString());
        assertNull(response.header("DPoP-Nonce"));
    }

    @Test
    void confidentialClientSelectedByThePolicyIsPinnedToTheSessionKey() {
        Http.Response challenge = Http.postForm(TOKEN, form("grant_type", "password", "username", "alice",
                "password", "alice"), basic(STRICT, "secret"), List.of(Proofs.proof(key, "POST", TOKEN)));
        String nonce = challenge.header("DPoP-Nonce");
        Http.Response login = Http.postForm(TOKEN, form("grant_type", "password", "username", "alice",
                "password", "alice"), basic(STRICT, "secret"), List.of(Proofs.proofWithNonce(key, "POST", TOKEN, nonce)));
        assertEquals(200, login.status(), login.toString());

        ECKey otherKey = Proofs.ecKey();
        Http.Response refresh = Http.postForm(TOKEN, form("grant_type", "refresh_token",
                "refresh_token", login.string("refresh_token")), basic(STRICT, "secret"),
                List.of(Proofs.proofWithNonce(otherKey, "POST", TOKEN, nonce)));

        assertInvalidProof(refresh);
    }
}
