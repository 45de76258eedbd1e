package io.github.keycloakdpop.core;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwa.AlgorithmConstraints.ConstraintType;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.lang.JoseException;

/** The reference path: every proof's key built by jose4j, its signature and thumbprint computed by jose4j. */
final class Jose4jKeys implements ProofKeys {

    static final Jose4jKeys INSTANCE = new Jose4jKeys();

    private Jose4jKeys() {
    }

    @Override
    public ProofKey key(ProofJwk jwk) throws DPoPProofException {
        JwkChecks.onCurve(jwk);
        return new Key(JwkChecks.jose4jKey(jwk));
    }

    private record Key(PublicJsonWebKey jwk) implements ProofKey {

        @Override
        public boolean verify(String alg, CompactJws jws) {
            try {
                JsonWebSignature signature = new JsonWebSignature();
                signature.setAlgorithmConstraints(new AlgorithmConstraints(ConstraintType.PERMIT, alg));
                signature.setKnownCriticalHeaders();
                signature.setCompactSerialization(jws.serialization());
                signature.setKey(jwk.getPublicKey());
                return signature.verifySignature();
            } catch (JoseException e) {
                return false; // same answer as a wrong signature
            }
        }

        @Override
        public String jkt() {
            return Thumbprints.jkt(jwk);
        }
    }
}
