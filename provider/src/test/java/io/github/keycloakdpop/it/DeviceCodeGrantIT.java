package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Refusals.assertInvalidProof;
import static io.github.keycloakdpop.it.Admin.json;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The device authorization grant (RFC 8628, {@code urn:ietf:params:oauth:grant-type:device_code}): the device polls
 * the token endpoint with a DPoP proof, alice approves in her browser.
 */
class DeviceCodeGrantIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final String GRANT = "urn:ietf:params:oauth:grant-type:device_code";
    /** A public client that requires DPoP, as a TV app or CLI would be registered. */
    static final String DEVICE = "device-grant-it";

    final ECKey key = Proofs.ecKey();

    @BeforeAll
    static void createClient() {
        Admin.createClient(json("clientId", DEVICE, "protocol", "openid-connect", "publicClient", true,
                "standardFlowEnabled", false, "attributes", json(
                        "dpop.bound.access.tokens", "true",
                        "oauth2.device.authorization.grant.enabled", "true")));
    }

    static DeviceFlow.Authorization approved() {
        DeviceFlow.Authorization authorization = DeviceFlow.start(DEVICE);
        new DeviceFlow().approveAsAlice(authorization);
        return authorization;
    }

    static Http.Response poll(DeviceFlow.Authorization authorization, List<String> dpop) {
        return Http.postForm(TOKEN, form("grant_type", GRANT, "client_id", DEVICE,
                "device_code", authorization.deviceCode()), null, dpop);
    }


    @Test
    void approvedDeviceCodePolledWithAProofGivesBoundTokens() {
        Http.Response tokens = poll(approved(), List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, tokens.status(), tokens.toString());
        assertEquals("DPoP", tokens.string("token_type"), tokens.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(tokens.string("access_token")));
        // A public client's refresh token is bound too (RFC 9449 §5).
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(tokens.string("refresh_token")));
    }

    @Test
    void clientRequiringDpopPollingWithoutProofGetsInvalidDpopProof() {
        assertInvalidProof(poll(approved(), List.of()));
    }

    @Test
    void pollWithAProofOfTheWrongMethodIsInvalidDpopProof() {
        assertInvalidProof(poll(approved(), List.of(Proofs.proof(key, "GET", TOKEN))));
    }

    @Test
    void pollWithAProofForAnotherEndpointIsInvalidDpopProof() {
        URI deviceEndpoint = KC.realmUri("protocol/openid-connect/auth/device");

        assertInvalidProof(poll(approved(), List.of(Proofs.proof(key, "POST", deviceEndpoint))));
    }

    @Test
    void refusedProoflessPollDoesNotUseUpTheDeviceCode() {
        DeviceFlow.Authorization authorization = approved();
        assertInvalidProof(poll(authorization, List.of()));

        Http.Response tokens = poll(authorization, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, tokens.status(), tokens.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(tokens.string("access_token")));
    }

    @Test
    void pendingDeviceCodePolledWithAProofIsStillAuthorizationPending() {
        // The proof is fine, so the answer is the grant's own: alice has not approved yet.
        Http.Response pending = poll(DeviceFlow.start(DEVICE), List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(400, pending.status(), pending.toString());
        assertEquals("authorization_pending", pending.string("error"), pending.toString());
    }

    @Test
    void pendingDeviceCodePolledWithoutProofIsInvalidDpopProofNotAuthorizationPending() {
        // The client requires DPoP: the device learns it at its first poll, not only once alice has approved.
        assertInvalidProof(poll(DeviceFlow.start(DEVICE), List.of()));
    }

    @Test
    void deviceTokensRefreshOnlyWithTheSameKey() {
        String refreshToken = poll(approved(), List.of(Proofs.proof(key, "POST", TOKEN))).string("refresh_token");

        Http.Response otherKey = Http.postForm(TOKEN, form("grant_type", "refresh_token", "client_id", DEVICE,
                "refresh_token", refreshToken), null, List.of(Proofs.proof(Proofs.ecKey(), "POST", TOKEN)));
        Http.Response sameKey = Http.postForm(TOKEN, form("grant_type", "refresh_token", "client_id", DEVICE,
                "refresh_token", refreshToken), null, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(400, otherKey.status(), otherKey.toString());
        assertNull(otherKey.json().get("access_token"), otherKey.toString());
        assertEquals(200, sameKey.status(), sameKey.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(sameKey.string("access_token")));
    }
}
