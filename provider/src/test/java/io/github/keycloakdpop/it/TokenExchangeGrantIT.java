package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Refusals.assertInvalidProof;
import static io.github.keycloakdpop.it.Admin.json;
import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Standard token exchange (RFC 8693, Keycloak's token exchange v2, {@code urn:ietf:params:oauth:grant-type:token-exchange}):
 * a DPoP-bound subject token is only exchanged by a party that proves possession of its key, and the new token is
 * bound to the key of the exchange request's proof.
 *
 * <p>Keycloak refuses a sender-constrained subject token that was not issued to the requesting client, so each bound
 * subject token here is obtained by the client that exchanges it (password grant).
 */
class TokenExchangeGrantIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final String GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

    /** Confidential, may exchange, DPoP optional; its access tokens also name {@link #REQUIRED} as audience. */
    static final String OPTIONAL = "token-exchange-optional-it";
    static final String OPTIONAL_SECRET = "token-exchange-optional-secret";
    /** Confidential, may exchange, requires DPoP. */
    static final String REQUIRED = "token-exchange-required-it";
    static final String REQUIRED_SECRET = "token-exchange-required-secret";

    final ECKey key = Proofs.ecKey();

    @BeforeAll
    static void createClients() {
        Admin.createClient(exchanger(OPTIONAL, OPTIONAL_SECRET, "false"));
        Admin.createClient(exchanger(REQUIRED, REQUIRED_SECRET, "true"));
        // So that an (unbound) token of OPTIONAL may be exchanged by REQUIRED: the requester must be in its audience.
        Admin.addProtocolMapper(OPTIONAL, json("name", "audience " + REQUIRED, "protocol", "openid-connect",
                "protocolMapper", "oidc-audience-mapper", "config", json("included.client.audience", REQUIRED,
                        "access.token.claim", "true", "introspection.token.claim", "true")));
    }

    static java.util.Map<String, Object> exchanger(String clientId, String secret, String dpopRequired) {
        var client = Admin.confidentialClient(clientId, secret, json(
                "dpop.bound.access.tokens", dpopRequired,
                "standard.token.exchange.enabled", "true"));
        client.put("directAccessGrantsEnabled", true);
        return client;
    }

    /** alice's access token for {@code clientId} (password grant), bound to {@code proofKey} unless it is null. */
    static String subjectToken(String clientId, String secret, ECKey proofKey) {
        Http.Response response = Http.postForm(TOKEN, form("grant_type", "password", "username", "alice",
                "password", "alice", "scope", "openid"), basic(clientId, secret),
                proofKey == null ? List.of() : List.of(Proofs.proof(proofKey, "POST", TOKEN)));
        assertEquals(200, response.status(), response.toString());
        assertEquals(proofKey == null ? null : Proofs.jkt(proofKey), Tokens.cnfJkt(response.string("access_token")),
                response.toString());
        return response.string("access_token");
    }

    static Http.Response exchange(String clientId, String secret, String subjectToken, List<String> dpop) {
        return Http.postForm(TOKEN, form("grant_type", GRANT, "subject_token", subjectToken,
                "subject_token_type", ACCESS_TOKEN_TYPE), basic(clientId, secret), dpop);
    }


    @Test
    void boundSubjectTokenExchangedWithAProofOfItsKeyGivesABoundToken() {
        String subject = subjectToken(OPTIONAL, OPTIONAL_SECRET, key);

        Http.Response exchanged = exchange(OPTIONAL, OPTIONAL_SECRET, subject, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, exchanged.status(), exchanged.toString());
        assertEquals("DPoP", exchanged.string("token_type"), exchanged.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(exchanged.string("access_token")));
    }

    @Test
    void boundSubjectTokenExchangedWithoutProofIsInvalidDpopProof() {
        // The requesting client does not require DPoP: it is the subject token's binding that asks for the proof.
        String subject = subjectToken(OPTIONAL, OPTIONAL_SECRET, key);

        Http.Response exchanged = exchange(OPTIONAL, OPTIONAL_SECRET, subject, List.of());

        assertInvalidProof(exchanged);
        assertEquals("The subject token is DPoP-bound: send a DPoP proof of its key",
                exchanged.string("error_description"));
    }

    @Test
    void boundSubjectTokenExchangedWithAProofOfAnotherKeyIsInvalidDpopProof() {
        String subject = subjectToken(OPTIONAL, OPTIONAL_SECRET, key);

        Http.Response exchanged = exchange(OPTIONAL, OPTIONAL_SECRET, subject,
                List.of(Proofs.proof(Proofs.ecKey(), "POST", TOKEN)));

        assertInvalidProof(exchanged);
        assertEquals("The DPoP proof key is not the key the subject token is bound to",
                exchanged.string("error_description"));
    }

    @Test
    void boundSubjectTokenOfAClientRequiringDpopExchangedWithAProofOfItsKeyGivesABoundToken() {
        String subject = subjectToken(REQUIRED, REQUIRED_SECRET, key);

        Http.Response exchanged = exchange(REQUIRED, REQUIRED_SECRET, subject, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, exchanged.status(), exchanged.toString());
        assertEquals("DPoP", exchanged.string("token_type"), exchanged.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(exchanged.string("access_token")));
    }

    @Test
    void boundSubjectTokenOfAClientRequiringDpopExchangedWithAProofOfAnotherKeyIsInvalidDpopProof() {
        String subject = subjectToken(REQUIRED, REQUIRED_SECRET, key);

        assertInvalidProof(exchange(REQUIRED, REQUIRED_SECRET, subject,
                List.of(Proofs.proof(Proofs.ecKey(), "POST", TOKEN))));
    }

    @Test
    void clientRequiringDpopExchangingAnUnboundTokenWithoutProofGetsInvalidDpopProof() {
        // Here only the requesting client's "Require DPoP" asks for the proof: the subject token is a Bearer token.
        String subject = subjectToken(OPTIONAL, OPTIONAL_SECRET, null);

        Http.Response exchanged = exchange(REQUIRED, REQUIRED_SECRET, subject, List.of());

        assertInvalidProof(exchanged);
        assertEquals("This client requires DPoP-bound tokens: send a DPoP proof (RFC 9449 §5)",
                exchanged.string("error_description"));
    }

    @Test
    void clientRequiringDpopExchangingAnUnboundTokenWithAProofGetsATokenBoundToThatProof() {
        String subject = subjectToken(OPTIONAL, OPTIONAL_SECRET, null);

        Http.Response exchanged = exchange(REQUIRED, REQUIRED_SECRET, subject, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, exchanged.status(), exchanged.toString());
        assertEquals("DPoP", exchanged.string("token_type"), exchanged.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(exchanged.string("access_token")));
    }

    @Test
    void exchangeWithAProofOfTheWrongMethodIsInvalidDpopProof() {
        String subject = subjectToken(REQUIRED, REQUIRED_SECRET, key);

        assertInvalidProof(exchange(REQUIRED, REQUIRED_SECRET, subject, List.of(Proofs.proof(key, "GET", TOKEN))));
    }

    @Test
    void exchangeWithAReplayedProofIsInvalidDpopProof() {
        String subject = subjectToken(REQUIRED, REQUIRED_SECRET, key);
        String proof = Proofs.proof(key, "POST", TOKEN);
        assertEquals(200, exchange(REQUIRED, REQUIRED_SECRET, subject, List.of(proof)).status());

        assertInvalidProof(exchange(REQUIRED, REQUIRED_SECRET, subject, List.of(proof)));
    }
}
