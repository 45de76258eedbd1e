package io.github.keycloakdpop.core;

import static io.github.keycloakdpop.core.Proofs.b64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast path verifies Ed25519 with BouncyCastle's lightweight API, the reference path with the JDK: both must
 * give the same answer (the same thumbprint, or the same refusal) for valid proofs, corrupted signatures and
 * payloads, and keys that are not points of the curve or are of small order.
 */
class Ed25519EquivalenceTest {

    final BothPaths paths = new BothPaths(ProofPolicy.defaults(), Proofs.CLOCK, new DPoPProofVerifierTest.RecordingGuard(),
            new DPoPProofVerifierTest.RecordingGuard(), ProofKeyCache.defaults());
    final Random random = new Random(9449);

    @Test
    void validProofsAreAcceptedByBothWithTheSameThumbprint() throws Exception {
        for (int i = 0; i < 200; i++) {
            BothPaths.Outcome outcome = paths.outcome(Proofs.request(Proofs.ed25519(Proofs.claims())[0]));
            assertTrue(outcome.accepted(), outcome.refusal());
        }
    }

    @Test
    void corruptedSignaturesAndPayloadsAreRefusedByBoth() throws Exception {
        for (int i = 0; i < 200; i++) {
            String proof = Proofs.ed25519(Proofs.claims())[0];
            String[] parts = proof.split("\\.");
            byte[] signature = Base64.getUrlDecoder().decode(parts[2]);
            signature[random.nextInt(signature.length)] ^= (byte) (1 << random.nextInt(8));
            assertFalse(paths.outcome(Proofs.request(parts[0] + "." + parts[1] + "." + b64(signature))).accepted());
            Map<String, Object> claims = new HashMap<>(Proofs.claims());
            claims.put("jti", "changed-" + i);
            String otherPayload = b64(Proofs.json(claims));
            assertFalse(paths.outcome(Proofs.request(parts[0] + "." + otherPayload + "." + parts[2])).accepted());
        }
    }

    @Test
    void keysThatAreNotUsablePointsAreRefusedAlikeByBoth() throws Exception {
        String proof = Proofs.ed25519(Proofs.claims())[0];
        String[] parts = proof.split("\\.");
        byte[] identity = new byte[32];
        identity[0] = 1; // y = 1: the neutral element, of small order
        byte[] notOnCurve = new byte[32];
        notOnCurve[0] = 2; // y = 2 has no x on edwards25519
        byte[] nonCanonical = new byte[32];
        java.util.Arrays.fill(nonCanonical, (byte) 0xff);
        nonCanonical[31] = 0x7f; // y = 2^255 - 1 >= p
        for (byte[] x : List.of(identity, notOnCurve, nonCanonical)) {
            String header = b64(Proofs.json(Map.of("typ", "dpop+jwt", "alg", "EdDSA",
                    "jwk", Map.of("kty", "OKP", "crv", "Ed25519", "x", b64(x)))));
            BothPaths.Outcome outcome = paths.outcome(Proofs.request(header + "." + parts[1] + "." + parts[2]));
            assertEquals("DPoP proof jwk x is not a valid Ed25519 public key", outcome.refusal());
        }
    }
}
