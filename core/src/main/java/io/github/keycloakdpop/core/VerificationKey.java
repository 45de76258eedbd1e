package io.github.keycloakdpop.core;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Map;

import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.jose4j.jca.ProviderContext;
import org.jose4j.jwa.AlgorithmFactoryFactory;
import org.jose4j.jws.JsonWebSignatureAlgorithm;
import org.jose4j.keys.EdDsaKeyUtil;
import org.jose4j.keys.RsaKeyUtil;
import org.jose4j.lang.JoseException;

/**
 * A validated public key, ready to verify any number of signatures from several threads: what
 * {@link ProofKeyCache} keeps. Built once per key, never per proof.
 */
sealed interface VerificationKey permits VerificationKey.Ecdsa, VerificationKey.Ed25519, VerificationKey.Jca {

    /** Whether {@code signature} over {@code signingInput} is valid for {@code alg}. */
    boolean verify(String alg, byte[] signingInput, byte[] signature);

    /** The key for a jwk that passed {@link JwkChecks#publicKey} and {@link JwkChecks#onCurve}. */
    static VerificationKey of(ProofJwk jwk) throws DPoPProofException {
        try {
            return switch (jwk.kty()) {
                case "EC" -> Ecdsa.of(jwk);
                case "RSA" -> new Jca(new RsaKeyUtil().publicKey(new BigInteger(1, jwk.n()), new BigInteger(1, jwk.e())));
                default -> "Ed25519".equals(jwk.crv()) ? new Ed25519(new Ed25519PublicKeyParameters(jwk.x(), 0))
                        : new Jca(new EdDsaKeyUtil().publicKey(jwk.x(), jwk.crv()));
            };
        } catch (JoseException | RuntimeException e) {
            throw new DPoPProofException("DPoP proof jwk is not a valid public key");
        }
    }

    /**
     * ECDSA with BouncyCastle's lightweight API on its optimized curve implementations. The point keeps the
     * precomputed multiples BouncyCastle attaches to it on use, which is what makes a returning key cheap.
     */
    final class Ecdsa implements VerificationKey {

        /** The RFC 7518 §3.4 signature length for each ECDSA algorithm: R and S of the order's size each. */
        static int signatureLength(String alg) {
            return 2 * OCTETS_FOR_ALG.get(alg);
        }

        private static final Map<String, ECDomainParameters> CURVES = Map.of(
                "P-256", domain("secp256r1"), "P-384", domain("secp384r1"), "P-521", domain("secp521r1"));
        private static final Map<String, String> ALG_FOR_CURVE = Map.of("P-256", "ES256", "P-384", "ES384", "P-521", "ES512");
        private static final Map<String, String> DIGEST_FOR_ALG = Map.of("ES256", "SHA-256", "ES384", "SHA-384", "ES512", "SHA-512");
        private static final Map<String, Integer> OCTETS_FOR_ALG = Map.of("ES256", 32, "ES384", 48, "ES512", 66);

        private final String alg;
        private final ECPublicKeyParameters key;

        private Ecdsa(String alg, ECPublicKeyParameters key) {
            this.alg = alg;
            this.key = key;
        }

        static Ecdsa of(ProofJwk jwk) {
            ECDomainParameters domain = CURVES.get(jwk.crv());
            // ECPublicKeyParameters validates the point again (on the curve, not infinity) and throws if it is not.
            return new Ecdsa(ALG_FOR_CURVE.get(jwk.crv()), new ECPublicKeyParameters(
                    domain.getCurve().createPoint(new BigInteger(1, jwk.x()), new BigInteger(1, jwk.y())), domain));
        }

        /** RFC 7518 §3.4: R and S, each as many octets as the curve order, concatenated. */
        @Override
        public boolean verify(String alg, byte[] signingInput, byte[] signature) {
            if (!this.alg.equals(alg) || signature.length != signatureLength(alg)) {
                return false;
            }
            int half = signature.length / 2;
            BigInteger r = new BigInteger(1, signature, 0, half);
            BigInteger s = new BigInteger(1, signature, half, half);
            ECDSASigner signer = new ECDSASigner();
            signer.init(false, key);
            // r and s outside [1, n-1] are refused here, as the JDK refuses them on the reference path.
            return signer.verifySignature(digest(DIGEST_FOR_ALG.get(alg), signingInput), r, s);
        }

        private static byte[] digest(String algorithm, byte[] input) {
            try {
                return MessageDigest.getInstance(algorithm).digest(input);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java platform has " + algorithm, e);
            }
        }

        private static ECDomainParameters domain(String name) {
            X9ECParameters curve = CustomNamedCurves.getByName(name);
            return new ECDomainParameters(curve.getCurve(), curve.getG(), curve.getN(), curve.getH(), curve.getSeed());
        }
    }

    /**
     * Ed25519 (RFC 8037) with BouncyCastle's lightweight API, several times faster than the JDK 17 provider the
     * reference path uses. The key is decoded and checked to be a point on the curve once, when it is built.
     */
    final class Ed25519 implements VerificationKey {

        private final Ed25519PublicKeyParameters key;

        Ed25519(Ed25519PublicKeyParameters key) {
            this.key = key;
        }

        @Override
        public boolean verify(String alg, byte[] signingInput, byte[] signature) {
            if (!"EdDSA".equals(alg) || signature.length != org.bouncycastle.math.ec.rfc8032.Ed25519.SIGNATURE_SIZE) {
                return false;
            }
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, key);
            verifier.update(signingInput, 0, signingInput.length);
            return verifier.verifySignature(signature);
        }
    }

    /** RSA and Ed448: the JDK is already fast at these, so only the key decoding is saved, through jose4j's own primitives. */
    final class Jca implements VerificationKey {

        private static final ProviderContext PROVIDERS = new ProviderContext();

        private final PublicKey key;

        Jca(PublicKey key) {
            this.key = key;
        }

        @Override
        public boolean verify(String alg, byte[] signingInput, byte[] signature) {
            try {
                JsonWebSignatureAlgorithm algorithm = AlgorithmFactoryFactory.getInstance().getJwsAlgorithmFactory().getAlgorithm(alg);
                algorithm.validateVerificationKey(key);
                return algorithm.verifySignature(signature, key, signingInput, PROVIDERS);
            } catch (JoseException e) {
                return false;
            }
        }
    }
}
