package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Refusals.assertInvalidProof;
import static io.github.keycloakdpop.it.Admin.json;
import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Test;

/**
 * The JWT authorization grant (RFC 7523, {@code urn:ietf:params:oauth:grant-type:jwt-bearer}; Keycloak's feature
 * {@code jwt-authorization-grant}, on by default in 26.7.3): a confidential client trades an assertion about alice,
 * signed by a trusted issuer, for an access token. RFC 9449 §5 names this grant: a proof binds the token like any other.
 *
 * <p>The issuer is a "JWT Authorization Grant" identity provider whose public key is a static JWKS, and alice is
 * linked to her identity there.
 */
class JwtAuthorizationGrantIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final String GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    static final String IDP = "jwt-grant-it-issuer";
    static final String ISSUER = "https://assertions.example/jwt-grant-it";
    static final String ALICE_THERE = "alice-at-jwt-grant-it";
    /** Confidential client that requires DPoP and accepts assertions of {@link #IDP}. */
    static final String CLIENT = "jwt-grant-it";
    static final String SECRET = "jwt-grant-it-secret";
    /** The issuer's signing key (not a DPoP key). */
    static final ECKey SIGNING_KEY = new ECKey.Builder(Proofs.ecKey()).keyID("jwt-grant-it-1").keyUse(KeyUse.SIGNATURE)
            .algorithm(JWSAlgorithm.ES256).build();

    final ECKey key = Proofs.ecKey();

    /** Keycloak 26.4 has no JWT authorization grant: there the grant type is refused, as without the plugin. */
    static boolean grantExists() {
        return KeycloakServer.atLeast(26, 5);
    }

    @BeforeAll
    static void createIssuerAndClient() {
        if (!grantExists()) {
            return;
        }
        Admin.createIdentityProvider(json("alias", IDP, "providerId", "jwt-authorization-grant", "enabled", true,
                "config", json("issuer", ISSUER, "useJwksUrl", "false",
                        "publicKeySignatureVerifier", new JWKSet(SIGNING_KEY.toPublicJWK()).toString(),
                        "jwtAuthorizationGrantEnabled", "true")));
        Admin.createClient(Admin.confidentialClient(CLIENT, SECRET, json(
                "dpop.bound.access.tokens", "true",
                "oauth2.jwt.authorization.grant.enabled", "true",
                "oauth2.jwt.authorization.grant.idp", IDP)));
        Admin.linkIdentity("alice", IDP, ALICE_THERE, "alice");
    }

    /** A fresh assertion about alice for this realm (audience: its issuer), signed by the trusted issuer. */
    static String assertion() {
        long now = System.currentTimeMillis();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).subject(ALICE_THERE)
                .audience(KC.baseUri.resolve("/realms/" + KeycloakServer.REALM).toString()).issueTime(new Date(now))
                .expirationTime(new Date(now + 60_000)).jwtID(UUID.randomUUID().toString()).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(SIGNING_KEY.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(new ECDSASigner(SIGNING_KEY));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    static Http.Response grant(String assertion, List<String> dpop) {
        return Http.postForm(TOKEN, form("grant_type", GRANT, "assertion", assertion), basic(CLIENT, SECRET), dpop);
    }


    @Test
    void onKeycloak26_4TheGrantTypeIsUnsupportedAsWithoutThePlugin() {
        Assumptions.assumeFalse(grantExists(), "the JWT authorization grant exists from Keycloak 26.5 on");
        Http.Response response = Http.postForm(TOKEN, form("grant_type", GRANT, "assertion", "a.b.c"),
                basic("service", "service-secret"), List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(400, response.status(), response.toString());
        assertEquals("unsupported_grant_type", response.string("error"), response.toString());
    }

    @BeforeEach
    void onlyWhereTheGrantExists(TestInfo test) {
        if (!test.getTestMethod().orElseThrow().getName().startsWith("onKeycloak26_4")) {
            Assumptions.assumeTrue(grantExists(), "Keycloak " + KeycloakServer.version()
                    + " has no JWT authorization grant (it exists from 26.5 on)");
        }
    }

    @Test
    void assertionWithAProofGivesABoundToken() {
        Http.Response response = grant(assertion(), List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, response.status(), response.toString());
        assertEquals("DPoP", response.string("token_type"), response.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(response.string("access_token")));
        assertEquals(Admin.userId("alice"), Tokens.claims(response.string("access_token")).get("sub"));
    }

    @Test
    void clientRequiringDpopWithoutProofGetsInvalidDpopProof() {
        assertInvalidProof(grant(assertion(), List.of()));
    }

    @Test
    void assertionWithAProofOfTheWrongMethodIsInvalidDpopProof() {
        assertInvalidProof(grant(assertion(), List.of(Proofs.proof(key, "GET", TOKEN))));
    }

    @Test
    void assertionWithAProofForAnotherUriIsInvalidDpopProof() {
        assertInvalidProof(grant(assertion(), List.of(Proofs.proof(key, "POST", KC.realmUri("protocol/openid-connect/userinfo")))));
    }

    @Test
    void refusedProoflessRequestDoesNotUseUpTheAssertion() {
        // Assertions are single-use (jti); a request refused for its missing proof must not have spent it.
        String assertion = assertion();
        assertInvalidProof(grant(assertion, List.of()));

        Http.Response response = grant(assertion, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, response.status(), response.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(response.string("access_token")));
    }
}
