package io.github.keycloakdpop.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SmallTypesTest {

    private static final Duration TEN = Duration.ofSeconds(10);

    @Test
    void athOfRfc9449Example() {
        assertEquals(Proofs.RFC_ATH, AccessTokenHash.ath(Proofs.RFC_ACCESS_TOKEN));
    }

    @Test
    void athRefusesNonAscii() {
        assertThrows(IllegalArgumentException.class, () -> AccessTokenHash.ath("tökén"));
    }

    @Test
    void exceptionIsCheapAndTyped() {
        DPoPProofException e = new DPoPProofException("DPoP proof is missing");
        assertEquals("invalid_dpop_proof", e.error());
        assertEquals("DPoP proof is missing", e.description());
        assertEquals("DPoP proof is missing", e.getMessage());
        assertEquals(0, e.getStackTrace().length);
    }

    @Test
    void policyDefaults() {
        ProofPolicy policy = ProofPolicy.defaults();
        assertEquals(ProofPolicy.ALL_ASYMMETRIC, policy.allowedAlgorithms());
        assertEquals(TEN, policy.maxAge());
        assertEquals(TEN, policy.clockSkew());
        assertEquals(8192, policy.maxProofLength());
        assertEquals(256, policy.maxJtiLength());
        assertTrue(policy.literalHtu());
        assertTrue(new ProofPolicy(Set.of("ES256"), TEN, TEN, 8192, 256).literalHtu());
    }

    @Test
    void policyCopies() {
        ProofPolicy policy = ProofPolicy.defaults().withAllowedAlgorithms(Set.of("EdDSA")).withLiteralHtu(false);
        assertEquals(Set.of("EdDSA"), policy.allowedAlgorithms());
        assertFalse(policy.literalHtu());
        Set<String> mutable = new HashSet<>(Set.of("ES256"));
        ProofPolicy copy = ProofPolicy.defaults().withAllowedAlgorithms(mutable);
        mutable.add("RS256");
        assertEquals(Set.of("ES256"), copy.allowedAlgorithms());
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "HS256", "HS384", "HS512", "ES256K", "RSA-OAEP", "es256"})
    void policyRefusesAlgorithm(String alg) {
        assertThrows(IllegalArgumentException.class, () -> ProofPolicy.defaults().withAllowedAlgorithms(Set.of("ES256", alg)));
    }

    @Test
    void policyRefusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> ProofPolicy.defaults().withAllowedAlgorithms(Set.of()));
        assertThrows(IllegalArgumentException.class, () -> ProofPolicy.defaults().withAllowedAlgorithms(null));
        assertThrows(IllegalArgumentException.class,
                () -> ProofPolicy.defaults().withAllowedAlgorithms(new HashSet<>(java.util.Arrays.asList("ES256", null))));
        assertThrows(IllegalArgumentException.class, () -> new ProofPolicy(Set.of("ES256"), Duration.ZERO, TEN, 8192, 256));
        assertThrows(IllegalArgumentException.class, () -> new ProofPolicy(Set.of("ES256"), TEN.negated(), TEN, 8192, 256));
        assertThrows(IllegalArgumentException.class, () -> new ProofPolicy(Set.of("ES256"), null, TEN, 8192, 256));
        assertThrows(IllegalArgumentException.class, () -> new ProofPolicy(Set.of("ES256"), TEN, TEN.negated(), 8192, 256));
        assertThrows(IllegalArgumentException.class, () -> new ProofPolicy(Set.of("ES256"), TEN, null, 8192, 256));
        assertThrows(IllegalArgumentException.class, () -> new ProofPolicy(Set.of("ES256"), TEN, TEN, 0, 256));
        assertThrows(IllegalArgumentException.class, () -> new ProofPolicy(Set.of("ES256"), TEN, TEN, 8192, 0));
        new ProofPolicy(Set.of("ES256"), TEN, Duration.ZERO, 8192, 256); // no skew is strict, not nonsense
    }
}
