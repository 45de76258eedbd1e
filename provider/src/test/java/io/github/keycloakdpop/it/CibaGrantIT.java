package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Refusals.assertInvalidProof;
import static io.github.keycloakdpop.it.Admin.json;
import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Client-initiated backchannel authentication (OpenID CIBA, {@code urn:openid:params:grant-type:ciba}) in poll mode:
 * the client starts the request at the backchannel authentication endpoint, Keycloak asks alice's authentication
 * device through its HTTP authentication channel ({@link CibaChannel}), the device approves at Keycloak's callback
 * endpoint, and the client polls the token endpoint with a DPoP proof.
 */
class CibaGrantIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final URI BACKCHANNEL = KC.realmUri("protocol/openid-connect/ext/ciba/auth");
    static final URI CALLBACK = KC.realmUri("protocol/openid-connect/ext/ciba/auth/callback");
    static final String GRANT = "urn:openid:params:grant-type:ciba";
    /** Confidential client that requires DPoP and may use CIBA. */
    static final String CLIENT = "ciba-grant-it";
    static final String SECRET = "ciba-grant-it-secret";

    final ECKey key = Proofs.ecKey();

    @BeforeAll
    static void createClient() {
        Admin.createClient(Admin.confidentialClient(CLIENT, SECRET, json(
                "dpop.bound.access.tokens", "true",
                "oidc.ciba.grant.enabled", "true")));
    }

    /** Starts a backchannel authentication request for alice and returns its auth_req_id, plus the channel request. */
    static Started start() {
        String bindingMessage = UUID.randomUUID().toString();
        Http.Response response = Http.postForm(BACKCHANNEL, form("scope", "openid", "login_hint", "alice",
                "binding_message", bindingMessage), basic(CLIENT, SECRET), List.of());
        assertEquals(200, response.status(), response.toString());
        return new Started(response.string("auth_req_id"), KC.cibaChannel.awaitRequest(bindingMessage));
    }

    record Started(String authReqId, CibaChannel.Request channelRequest) {
    }

    /** alice's authentication device approves the request at Keycloak's callback endpoint. */
    static String approved() {
        Started started = start();
        Http.Response callback = Http.send(HttpRequest.newBuilder(CALLBACK).timeout(Duration.ofSeconds(30))
                .header("Authorization", started.channelRequest().authorization())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSONObjectUtils.toJSONString(json("status", "SUCCEED"))))
                .build());
        assertEquals(200, callback.status(), callback.toString());
        return started.authReqId();
    }

    static Http.Response poll(String authReqId, List<String> dpop) {
        return Http.postForm(TOKEN, form("grant_type", GRANT, "auth_req_id", authReqId), basic(CLIENT, SECRET), dpop);
    }


    @Test
    void approvedRequestPolledWithAProofGivesABoundToken() {
        Http.Response tokens = poll(approved(), List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, tokens.status(), tokens.toString());
        assertEquals("DPoP", tokens.string("token_type"), tokens.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(tokens.string("access_token")));
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
    void pollWithAProofForTheBackchannelEndpointIsInvalidDpopProof() {
        assertInvalidProof(poll(approved(), List.of(Proofs.proof(key, "POST", BACKCHANNEL))));
    }

    @Test
    void refusedProoflessPollDoesNotUseUpTheRequest() {
        String authReqId = approved();
        assertInvalidProof(poll(authReqId, List.of()));

        Http.Response tokens = poll(authReqId, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, tokens.status(), tokens.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(tokens.string("access_token")));
    }

    @Test
    void pendingRequestPolledWithAProofIsStillAuthorizationPending() {
        Http.Response pending = poll(start().authReqId(), List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(400, pending.status(), pending.toString());
        assertEquals("authorization_pending", pending.string("error"), pending.toString());
    }
}
