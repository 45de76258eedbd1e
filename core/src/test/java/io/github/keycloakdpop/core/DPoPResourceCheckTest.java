package io.github.keycloakdpop.core;

import static io.github.keycloakdpop.core.Proofs.NOW;
import static io.github.keycloakdpop.core.Proofs.P256;
import static io.github.keycloakdpop.core.Proofs.P384;
import static io.github.keycloakdpop.core.Proofs.RFC_ACCESS_TOKEN;
import static io.github.keycloakdpop.core.Proofs.RFC_ATH;
import static io.github.keycloakdpop.core.Proofs.nimbus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keycloakdpop.core.DPoPResourceCheck.Credentials;
import io.github.keycloakdpop.core.DPoPResourceCheck.Refusal;
import java.net.URI;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;

class DPoPResourceCheckTest {

    static final URI RESOURCE = URI.create("https://resource.example.org/protectedresource");
    static final String ALGS = "algs=\"ES256 ES384 ES512 EdDSA PS256 PS384 PS512 RS256 RS384 RS512\"";
    static final String JKT = jkt(P256);

    final Set<String> seen = new HashSet<>();
    final ReplayGuard guard = (key, ttl) -> seen.add(key);
    final DPoPResourceCheck dpopOnly =
            new DPoPResourceCheck(ProofPolicy.defaults().withLiteralHtu(false), Proofs.CLOCK, guard, "api");
    final DPoPResourceCheck dpopOrBearer = dpopOnly.acceptingBearer();

    static String jkt(JWK key) {
        try {
            return key.computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new AssertionError(e);
        }
    }

    /** A valid proof of P256 for a GET of {@link #RESOURCE} with the RFC's example access token. */
    static String proof() {
        return nimbus(P256, JWSAlgorithm.ES256, "GET", RESOURCE, NOW, RFC_ACCESS_TOKEN);
    }

    VerifiedProof verify(DPoPResourceCheck check, String authorization, List<String> dpop, String cnfJkt)
            throws Refusal {
        Credentials credentials = check.credentials(List.of(authorization));
        return check.verify(credentials, dpop, "GET", RESOURCE, cnfJkt);
    }

    Refusal refused(DPoPResourceCheck check, String authorization, List<String> dpop, String cnfJkt) {
        return assertThrows(Refusal.class, () -> verify(check, authorization, dpop, cnfJkt));
    }

    @Test
    void boundTokenWithAProofOfItsKeyIsVerified() throws Refusal {
        VerifiedProof proof = verify(dpopOnly, "DPoP " + RFC_ACCESS_TOKEN, List.of(proof()), JKT);

        assertEquals(JKT, proof.jkt());
        assertEquals(RFC_ATH, proof.ath());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dpop ", "DPOP ", "dPoP   "})
    void schemeIsCaseInsensitiveAndMaySpanSeveralSpaces(String scheme) throws Refusal {
        Credentials credentials = dpopOnly.credentials(List.of(scheme + RFC_ACCESS_TOKEN));

        assertEquals(new Credentials("DPoP", RFC_ACCESS_TOKEN), credentials);
    }

    @Test
    void noAuthorizationHeaderGetsAChallengePerSchemeWithoutAnError() {
        Refusal refusal = assertThrows(Refusal.class, () -> dpopOrBearer.credentials(List.of()));

        assertEquals(401, refusal.status());
        assertNull(refusal.error());
        assertEquals(List.of("DPoP " + ALGS, "Bearer"), refusal.wwwAuthenticate());
    }

    @Test
    void dpopOnlyResourceChallengesOnlyForDpop() {
        Refusal refusal = assertThrows(Refusal.class, () -> dpopOnly.credentials(null));

        assertEquals(List.of("DPoP " + ALGS), refusal.wwwAuthenticate());
    }

    @Test
    void anotherSchemeIsNoCredentials() {
        Refusal refusal = assertThrows(Refusal.class, () -> dpopOrBearer.credentials(List.of("Basic dXNlcjpwYXNz")));

        assertEquals(401, refusal.status());
        assertNull(refusal.error());
    }

    @Test
    void twoAuthorizationHeadersAreAmbiguousAndAnsweredInBothChallenges() {
        Refusal refusal = assertThrows(Refusal.class, () -> dpopOrBearer.credentials(
                List.of("Bearer " + RFC_ACCESS_TOKEN, "DPoP " + RFC_ACCESS_TOKEN)));

        assertEquals(400, refusal.status());
        assertEquals("invalid_request", refusal.error());
        assertEquals(List.of(
                "DPoP error=\"invalid_request\", error_description=\"Exactly one Authorization header is allowed\", " + ALGS,
                "Bearer error=\"invalid_request\", error_description=\"Exactly one Authorization header is allowed\""),
                refusal.wwwAuthenticate());
    }

    @ParameterizedTest
    @ValueSource(strings = {"DPoP", "DPoP ", "DPoP a b", "DPoP \u00e9t\u00e9", "DPoP\tabc", "DPoP abc=def", "DPoP ,abc"})
    void malformedCredentialsAreInvalidRequest(String authorization) {
        Refusal refusal = assertThrows(Refusal.class, () -> dpopOrBearer.credentials(List.of(authorization)));

        assertEquals(400, refusal.status(), authorization);
        assertEquals("invalid_request", refusal.error(), authorization);
        assertTrue(refusal.wwwAuthenticate().get(0).startsWith("DPoP error=\"invalid_request\""), authorization);
    }

    @Test
    void bearerSchemeIsRefusedByADpopOnlyResource() {
        Refusal refusal = assertThrows(Refusal.class,
                () -> dpopOnly.credentials(List.of("Bearer " + RFC_ACCESS_TOKEN)));

        assertEquals(401, refusal.status());
        assertEquals("invalid_token", refusal.error());
        assertEquals(1, refusal.wwwAuthenticate().size());
        assertTrue(refusal.wwwAuthenticate().get(0).startsWith("DPoP error=\"invalid_token\""));
    }

    @Test
    void boundTokenPresentedAsBearerIsInvalidTokenInTheBearerChallenge() {
        Refusal refusal = refused(dpopOrBearer, "Bearer " + RFC_ACCESS_TOKEN, List.of(), JKT);

        assertEquals(401, refusal.status());
        assertEquals("invalid_token", refusal.error());
        assertEquals(List.of("Bearer error=\"invalid_token\", error_description=\"The access token is DPoP-bound: "
                + "send it with the DPoP scheme and a DPoP proof\"", "DPoP " + ALGS), refusal.wwwAuthenticate());
    }

    @Test
    void unboundTokenPresentedAsBearerIsAcceptedWhereBearerIs() throws Refusal {
        assertNull(verify(dpopOrBearer, "Bearer " + RFC_ACCESS_TOKEN, List.of(), null));
    }

    @Test
    void unboundTokenPresentedWithTheDpopSchemeIsInvalidToken() {
        Refusal refusal = refused(dpopOrBearer, "DPoP " + RFC_ACCESS_TOKEN, List.of(proof()), null);

        assertEquals("invalid_token", refusal.error());
        assertEquals("The access token is not DPoP-bound: send it with the Bearer scheme", refusal.description());
    }

    @Test
    void missingProofIsInvalidDpopProofWithTheAcceptedAlgorithms() {
        Refusal refusal = refused(dpopOnly, "DPoP " + RFC_ACCESS_TOKEN, List.of(), JKT);

        assertEquals(401, refusal.status());
        assertEquals("invalid_dpop_proof", refusal.error());
        assertEquals(List.of("DPoP error=\"invalid_dpop_proof\", error_description=\"DPoP proof is missing\", " + ALGS),
                refusal.wwwAuthenticate());
    }

    @Test
    void proofWithoutAthIsInvalidDpopProof() {
        String withoutAth = nimbus(P256, JWSAlgorithm.ES256, "GET", RESOURCE, NOW, null);

        Refusal refusal = refused(dpopOnly, "DPoP " + RFC_ACCESS_TOKEN, List.of(withoutAth), JKT);

        assertEquals("invalid_dpop_proof", refusal.error());
        assertEquals("DPoP proof is missing ath", refusal.description());
    }

    @Test
    void proofForAnotherTokenIsInvalidDpopProof() {
        String otherToken = nimbus(P256, JWSAlgorithm.ES256, "GET", RESOURCE, NOW, "another-token");

        Refusal refusal = refused(dpopOnly, "DPoP " + RFC_ACCESS_TOKEN, List.of(otherToken), JKT);

        assertEquals("DPoP proof ath does not match the access token", refusal.description());
    }

    @Test
    void proofForAnotherMethodIsInvalidDpopProof() {
        String post = nimbus(P256, JWSAlgorithm.ES256, "POST", RESOURCE, NOW, RFC_ACCESS_TOKEN);

        assertEquals("invalid_dpop_proof", refused(dpopOnly, "DPoP " + RFC_ACCESS_TOKEN, List.of(post), JKT).error());
    }

    @Test
    void proofOfAnotherKeyIsInvalidToken() {
        String otherKey = nimbus(P384, JWSAlgorithm.ES384, "GET", RESOURCE, NOW, RFC_ACCESS_TOKEN);

        Refusal refusal = refused(dpopOnly, "DPoP " + RFC_ACCESS_TOKEN, List.of(otherKey), JKT);

        assertEquals(401, refusal.status());
        assertEquals("invalid_token", refusal.error());
        assertEquals("The DPoP proof key is not the key the access token is bound to", refusal.description());
    }

    @Test
    void replayedProofIsInvalidDpopProof() throws Refusal {
        String proof = proof();
        verify(dpopOnly, "DPoP " + RFC_ACCESS_TOKEN, List.of(proof), JKT);

        Refusal refusal = refused(dpopOnly, "DPoP " + RFC_ACCESS_TOKEN, List.of(proof), JKT);

        assertEquals("invalid_dpop_proof", refusal.error());
        assertTrue(refusal.description().contains("already been used"), refusal.description());
        assertEquals(DPoPProofException.Reason.REPLAY, refusal.proofReason());
    }

    @Test
    void onlyProofRefusalsNameTheProofCheckThatFailed() {
        String post = nimbus(P256, JWSAlgorithm.ES256, "POST", RESOURCE, NOW, RFC_ACCESS_TOKEN);
        String otherKey = nimbus(P384, JWSAlgorithm.ES384, "GET", RESOURCE, NOW, RFC_ACCESS_TOKEN);

        assertEquals(DPoPProofException.Reason.HTM,
                refused(dpopOnly, "DPoP " + RFC_ACCESS_TOKEN, List.of(post), JKT).proofReason());
        assertNull(refused(dpopOnly, "DPoP " + RFC_ACCESS_TOKEN, List.of(otherKey), JKT).proofReason());
    }

    @Test
    void useDpopNonceTravelsInTheDpopChallengeWithTheAlgorithms() {
        Refusal refusal = dpopOrBearer.useDPoPNonce("Resource server requires nonce in DPoP proof");

        assertEquals(401, refusal.status());
        assertEquals("use_dpop_nonce", refusal.error());
        assertEquals(List.of("DPoP error=\"use_dpop_nonce\", error_description=\"Resource server requires nonce in "
                + "DPoP proof\", " + ALGS, "Bearer"), refusal.wwwAuthenticate());
        assertNull(refusal.proofReason());
    }

    @Test
    void algsAreThePolicysAlgorithms() {
        DPoPResourceCheck es256Only = new DPoPResourceCheck(
                ProofPolicy.defaults().withAllowedAlgorithms(Set.of("ES256", "PS256")), Proofs.CLOCK, guard, "api");

        Refusal refusal = assertThrows(Refusal.class, () -> es256Only.credentials(List.of()));

        assertEquals(List.of("DPoP algs=\"ES256 PS256\""), refusal.wwwAuthenticate());
    }

    @Test
    void invalidTokenFromTheResourceServerTravelsInTheChallengeOfItsScheme() throws Refusal {
        Credentials bearer = dpopOrBearer.credentials(List.of("Bearer " + RFC_ACCESS_TOKEN));

        Refusal refusal = dpopOrBearer.invalidToken(bearer, "The access token has expired");

        assertEquals(401, refusal.status());
        assertEquals(List.of("Bearer error=\"invalid_token\", error_description=\"The access token has expired\"",
                "DPoP " + ALGS), refusal.wwwAuthenticate());
    }

    @Test
    void descriptionsAreMadeSafeForAQuotedString() {
        assertEquals("say ?hi? ?? ? caf?", DPoPResourceCheck.quotable("say \"hi\" \\\n \u00a7 caf\u00e9"));
    }

    @Test
    void credentialsTakeOnlyTheTwoSchemes() {
        assertThrows(IllegalArgumentException.class, () -> new Credentials("Basic", "x"));
        assertEquals(List.of("DPoP", "Bearer"),
                Arrays.asList(new Credentials("DPoP", "x").scheme(), new Credentials("Bearer", "x").scheme()));
    }
}
