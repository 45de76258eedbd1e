package io.github.keycloakdpop.core;

/**
 * The fast path: the thumbprint from the canonical members, the key from {@link ProofKeyCache} when it was seen
 * before, otherwise validated and built once ({@link VerificationKey}) and cached after its first good signature.
 */
final class FastKeys implements ProofKeys {

    private final ProofKeyCache cache;

    FastKeys(ProofKeyCache cache) {
        this.cache = cache;
    }

    @Override
    public ProofKey key(ProofJwk jwk) throws DPoPProofException {
        String jkt = Thumbprints.jkt(jwk);
        VerificationKey known = cache.get(jkt);
        if (known != null) {
            return new Key(jkt, known, null);
        }
        JwkChecks.onCurve(jwk);
        return new Key(jkt, VerificationKey.of(jwk), cache);
    }

    /** @param cacheOnSuccess where a new key goes once it verified a signature; null for a key from the cache */
    private record Key(String jkt, VerificationKey key, ProofKeyCache cacheOnSuccess) implements ProofKey {

        @Override
        public boolean verify(String alg, CompactJws jws) {
            boolean valid = key.verify(alg, jws.signingInput(), jws.signature());
            if (valid && cacheOnSuccess != null) {
                cacheOnSuccess.put(jkt, key);
            }
            return valid;
        }
    }
}
