package io.github.keycloakdpop.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;

/**
 * Runs every proof through the jose4j reference path and the fast path, and fails the test unless both give the
 * same answer: the same {@link VerifiedProof} (jkt included) or the same refusal description.
 */
final class BothPaths {

    /** What a verifier said about one proof. */
    record Outcome(VerifiedProof proof, String refusal) {

        static Outcome of(DPoPProofVerifier verifier, ProofRequest request) {
            try {
                return new Outcome(verifier.verify(request), null);
            } catch (DPoPProofException e) {
                return new Outcome(null, e.description());
            }
        }

        boolean accepted() {
            return proof != null;
        }
    }

    final DPoPProofVerifier reference;
    final DPoPProofVerifier fast;

    BothPaths(ProofPolicy policy, Clock clock, ReplayGuard referenceGuard, ReplayGuard fastGuard, ProofKeyCache keys) {
        this.reference = DPoPProofVerifier.reference(policy, clock, referenceGuard);
        this.fast = new DPoPProofVerifier(policy, clock, fastGuard, keys);
    }

    /** Both outcomes, after checking they agree. */
    Outcome outcome(ProofRequest request) {
        Outcome reference = Outcome.of(this.reference, request);
        Outcome fast = Outcome.of(this.fast, request);
        assertEquals(reference, fast, () -> "fast path disagrees with jose4j on " + request.dpopHeaderValues());
        return fast;
    }

    /** Same contract as {@link DPoPProofVerifier#verify}, for tests written against it. */
    VerifiedProof verify(ProofRequest request) throws DPoPProofException {
        Outcome outcome = outcome(request);
        if (!outcome.accepted()) {
            throw new DPoPProofException(outcome.refusal());
        }
        return outcome.proof();
    }
}
