package io.github.keycloakdpop.core;

/**
 * Where a proof's key comes from and how its signature is checked (RFC 9449 §4.3 items 6 and 7): jose4j, the
 * reference ({@link Jose4jKeys}), or the fast path ({@link FastKeys}). Both get a jwk that passed
 * {@link JwkChecks#publicKey} and must accept, refuse and fingerprint exactly alike.
 */
interface ProofKeys {

    /** The key for {@code jwk}, or the refusal of it (off the curve, not a usable key). */
    ProofKey key(ProofJwk jwk) throws DPoPProofException;

    interface ProofKey {

        /** Whether the signature is valid; {@code alg} is allowed and suits the key. */
        boolean verify(String alg, CompactJws jws);

        /** RFC 7638 SHA-256 thumbprint, base64url. */
        String jkt();
    }
}
