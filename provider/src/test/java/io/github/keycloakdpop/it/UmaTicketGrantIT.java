package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Refusals.assertInvalidProof;
import static io.github.keycloakdpop.it.Admin.json;
import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The UMA grant ({@code urn:ietf:params:oauth:grant-type:uma-ticket}): a requesting party token (RPT) from Keycloak's
 * authorization services.
 *
 * <p>Keycloak's token endpoint skips client authentication for this grant, so its DPoP check runs without knowing the
 * client and never enforces "Require DPoP bound tokens" here: a client that requires DPoP gets an unbound RPT by
 * presenting its ID token as {@code claim_token}. With the plugin it gets {@code invalid_dpop_proof} instead.
 *
 * <p>Other ways in are closed by Keycloak already, whatever the plugin: a DPoP-bound access token cannot be presented
 * as {@code Authorization: Bearer} or as {@code subject_token} ("Invalid identity"), and for a client requiring DPoP
 * Keycloak refuses an unbound one too.
 */
class UmaTicketGrantIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final String GRANT = "urn:ietf:params:oauth:grant-type:uma-ticket";
    static final String ID_TOKEN_FORMAT = "http://openid.net/specs/openid-connect-core-1_0.html#IDToken";

    static final String RESOURCE_SERVER = "uma-resource-server-it";
    static final String RESOURCE = "uma-it-document";
    /** Confidential requesting client that requires DPoP. */
    static final String REQUIRED = "uma-required-it";
    static final String REQUIRED_SECRET = "uma-required-secret";
    /** Confidential requesting client for which DPoP is optional. */
    static final String OPTIONAL = "uma-optional-it";
    static final String OPTIONAL_SECRET = "uma-optional-secret";

    final ECKey key = Proofs.ecKey();

    @BeforeAll
    static void createResourceServerAndClients() {
        Map<String, Object> resourceServer = Admin.confidentialClient(RESOURCE_SERVER, "uma-rs-secret", json());
        resourceServer.put("serviceAccountsEnabled", true);
        resourceServer.put("authorizationServicesEnabled", true);
        Admin.createClient(resourceServer);
        for (String[] client : new String[][] {{REQUIRED, REQUIRED_SECRET, "true"}, {OPTIONAL, OPTIONAL_SECRET, "false"}}) {
            Map<String, Object> requester = Admin.confidentialClient(client[0], client[1],
                    json("dpop.bound.access.tokens", client[2]));
            requester.put("directAccessGrantsEnabled", true);
            requester.put("serviceAccountsEnabled", true); // for an RPT requested without claim_token
            Admin.createClient(requester);
        }
        // One resource, granted to both requesting clients.
        Admin.createAuthz(RESOURCE_SERVER, "resource", json("name", RESOURCE, "uris", List.of("/documents/1")));
        Admin.createAuthz(RESOURCE_SERVER, "policy/client", json("name", "uma-it-requesters",
                "clients", List.of(REQUIRED, OPTIONAL)));
        Admin.createAuthz(RESOURCE_SERVER, "permission/resource", json("name", "uma-it-document-permission",
                "resources", List.of(RESOURCE), "policies", List.of("uma-it-requesters")));
    }

    /** alice's ID token for a requesting client (password grant; with a proof, which a client requiring DPoP needs). */
    String idToken(String clientId, String secret) {
        Http.Response response = Http.postForm(TOKEN, form("grant_type", "password", "username", "alice",
                "password", "alice", "scope", "openid"), basic(clientId, secret), List.of(Proofs.proof(key, "POST", TOKEN)));
        assertEquals(200, response.status(), response.toString());
        return response.string("id_token");
    }

    /** The RPT request of a client that authenticates and presents alice's ID token as the claim token. */
    Http.Response rpt(String clientId, String secret, List<String> dpop) {
        return Http.postForm(TOKEN, form("grant_type", GRANT, "audience", RESOURCE_SERVER,
                "claim_token", idToken(clientId, secret), "claim_token_format", ID_TOKEN_FORMAT),
                basic(clientId, secret), dpop);
    }


    @Test
    void clientRequiringDpopGetsNoRptWithoutProof() {
        // Plain Keycloak answers 200 with an unbound Bearer RPT here.
        assertInvalidProof(rpt(REQUIRED, REQUIRED_SECRET, List.of()));
    }

    @Test
    void rptRequestedWithAProofIsBoundToItsKey() {
        Http.Response response = rpt(OPTIONAL, OPTIONAL_SECRET, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, response.status(), response.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(response.string("access_token")), response.toString());
        assertEquals("DPoP", Tokens.claims(response.string("access_token")).get("typ"), response.toString());
        assertNotNull(Tokens.claims(response.string("access_token")).get("authorization"), response.toString());
        // Keycloak 26.7.3 hard-codes token_type "Bearer" for every RPT (AuthorizationResponse); RFC 9449 §5 wants
        // "DPoP" for a bound token, and the plugin says so.
        assertEquals("DPoP", response.string("token_type"), response.toString());
    }

    @Test
    void clientRequiringDpopGetsABoundRptWithAProof() {
        Http.Response response = rpt(REQUIRED, REQUIRED_SECRET, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, response.status(), response.toString());
        assertEquals("DPoP", response.string("token_type"), response.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(response.string("access_token")), response.toString());
    }

    @Test
    void rptRequestedWithAProofOfTheWrongMethodIsInvalidDpopProof() {
        assertInvalidProof(rpt(OPTIONAL, OPTIONAL_SECRET, List.of(Proofs.proof(key, "GET", TOKEN))));
    }

    @Test
    void rptRequestedWithAProofSignedByAnotherKeyIsInvalidDpopProof() {
        String proof = Proofs.crafted(key, "POST", TOKEN, c -> { });
        String[] other = Proofs.crafted(Proofs.ecKey(), "POST", TOKEN, c -> { }).split("\\.");
        String[] parts = proof.split("\\.");

        assertInvalidProof(rpt(REQUIRED, REQUIRED_SECRET, List.of(parts[0] + "." + parts[1] + "." + other[2])));
    }

    /**
     * Without {@code claim_token} Keycloak authenticates the client inside the grant, after its own DPoP check, and
     * gets the client a token through the client-credentials grant (the plugin's wrapper too). Keycloak saw the proof
     * before it knew the client, so it checked and recorded it: that must not count as a replay in the inner grant.
     * Keycloak then refuses the inner token, DPoP-bound, as the requesting identity ("Invalid identity", as for a
     * bound token presented any other way; see above), which is its own answer, not a DPoP refusal.
     */
    @Test
    void rptForTheClientItselfWithAProofIsNotTakenForAReplay() {
        Http.Response withoutProof = Http.postForm(TOKEN, form("grant_type", GRANT, "audience", RESOURCE_SERVER),
                basic(OPTIONAL, OPTIONAL_SECRET), List.of());
        assertEquals(200, withoutProof.status(), withoutProof.toString());

        Http.Response withProof = Http.postForm(TOKEN, form("grant_type", GRANT, "audience", RESOURCE_SERVER),
                basic(OPTIONAL, OPTIONAL_SECRET), List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals("unauthorized_client", withProof.string("error"), withProof.toString());
        assertEquals("Invalid identity", withProof.string("error_description"), withProof.toString());
    }

    @Test
    void clientWithOptionalDpopGetsAnUnboundRptWithoutProof() {
        // The plugin refuses unbound RPTs only for clients that require DPoP.
        Http.Response response = rpt(OPTIONAL, OPTIONAL_SECRET, List.of());

        assertEquals(200, response.status(), response.toString());
        assertEquals("Bearer", response.string("token_type"), response.toString());
        assertNull(Tokens.cnfJkt(response.string("access_token")), response.toString());
    }
}
