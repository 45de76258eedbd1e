package io.github.keycloakdpop.bench;

import java.lang.reflect.Constructor;
import java.math.BigInteger;
import java.net.URI;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.jce.spec.ECNamedCurveSpec;
import org.jose4j.jwa.AlgorithmConstraints.ConstraintType;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwt.consumer.JwtContext;
import org.keycloak.TokenVerifier;
import org.keycloak.common.VerificationException;
import org.keycloak.crypto.SignatureVerifierContext;
import org.keycloak.jose.jwk.JWK;
import org.keycloak.jose.jws.JWSHeader;
import org.keycloak.representations.dpop.DPoP;
import org.keycloak.util.JWKSUtils;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.DPoPProofContext;
import org.springframework.security.oauth2.jwt.DPoPProofJwtDecoderFactory;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtIssuedAtValidator;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPIssuer;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPTokenRequestVerifier;
import com.nimbusds.oauth2.sdk.util.singleuse.AlreadyUsedException;

import io.github.keycloakdpop.core.DPoPProofVerifier;
import io.github.keycloakdpop.core.ProofKeyCache;
import io.github.keycloakdpop.core.ProofPolicy;
import io.github.keycloakdpop.core.ProofRequest;

/**
 * Every DPoP proof verifier in the comparison, each doing the whole job on one proof: parse, typ, alg allow-list,
 * public jwk, signature, htm, htu, iat window, single-use jti, thumbprint. Each returns the jkt.
 */
final class Contenders {

    /** One verifier; {@link #verify} returns the proof key's RFC 7638 thumbprint. */
    interface Contender {
        String verify(String proof) throws Exception;
    }

    /** In-memory single-use store; the benchmark clears it whenever it starts over on its proof pool. */
    static final class MemoryReplayStore {
        private final Set<String> used = ConcurrentHashMap.newKeySet();

        boolean firstUse(String key) {
            return used.add(key);
        }

        void clear() {
            used.clear();
        }
    }

    private static final Set<String> ALGS = Set.of("ES256", "ES384", "ES512", "RS256", "PS256");

    private Contenders() {
    }

    /** Ours: the fast path (BouncyCastle lightweight ECDSA, cached keys) or the jose4j reference path. */
    static Contender ours(MemoryReplayStore replay, ProofKeyCache keys) {
        DPoPProofVerifier verifier = keys == null
                ? DPoPProofVerifier.reference(ProofPolicy.defaults(), ProofPool.CLOCK, (key, ttl) -> replay.firstUse(key))
                : new DPoPProofVerifier(ProofPolicy.defaults(), ProofPool.CLOCK, (key, ttl) -> replay.firstUse(key), keys);
        return proof -> verifier.verify(new ProofRequest(List.of(proof), ProofPool.HTM, ProofPool.HTU, null, "bench")).jkt();
    }

    /** jose4j's JwtConsumer with the embedded jwk, the same checks, and jose4j's thumbprint. */
    static Contender jose4j(MemoryReplayStore replay) {
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setExpectedType(true, "dpop+jwt")
                .setJwsAlgorithmConstraints(ConstraintType.PERMIT, ALGS.toArray(String[]::new))
                .setVerificationKeyResolver((jws, nesting) -> {
                    try {
                        return embeddedPublicKey(jws).getPublicKey();
                    } catch (org.jose4j.lang.JoseException e) {
                        throw new org.jose4j.lang.UnresolvableKeyException("no usable jwk", e);
                    }
                })
                .setRequireIssuedAt()
                .setIssuedAtRestrictions(10, 20)
                .setRequireJwtId()
                .setSkipDefaultAudienceValidation()
                .setEvaluationTime(NumericDate.fromSeconds(ProofPool.NOW.getEpochSecond()))
                .build();
        return proof -> {
            JwtContext context = consumer.process(proof);
            JwtClaims claims = context.getJwtClaims();
            require(ProofPool.HTM.equals(claims.getStringClaimValue("htm")), "htm");
            require(ProofPool.HTU.toString().equals(claims.getStringClaimValue("htu")), "htu");
            require(replay.firstUse(claims.getJwtId()), "jti replay");
            return embeddedPublicKey((JsonWebSignature) context.getJoseObjects().get(0)).calculateBase64urlEncodedThumbprint("SHA-256");
        };
    }

    private static PublicJsonWebKey embeddedPublicKey(JsonWebSignature jws) throws org.jose4j.lang.JoseException {
        PublicJsonWebKey jwk = jws.getJwkHeader();
        if (jwk == null || jwk.getPrivateKey() != null) {
            throw new IllegalArgumentException("jwk must be a public key");
        }
        return jwk;
    }

    /** Nimbus oauth2-oidc-sdk's token-endpoint DPoP verifier (signature, claims, single use, thumbprint). */
    static Contender nimbus(MemoryReplayStore replay) {
        Set<JWSAlgorithm> algs = Set.of(JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.RS256, JWSAlgorithm.PS256);
        // Nimbus reads the system clock: a day of allowed skew keeps the pre-signed pool valid.
        DPoPTokenRequestVerifier verifier = new DPoPTokenRequestVerifier(algs, ProofPool.HTU, Duration.ofDays(1).toSeconds(),
                use -> {
                    if (!replay.firstUse(use.getValue().getValue())) {
                        throw new AlreadyUsedException("jti replay");
                    }
                });
        DPoPIssuer issuer = new DPoPIssuer("bench-client");
        return proof -> verifier.verify(issuer, SignedJWT.parse(proof)).getValue().toString();
    }

    /**
     * Spring Security's DPoPProofJwtDecoderFactory, used as its DPoP authentication provider uses it: a decoder per
     * proof, then the thumbprint of the header's jwk. The validators are Spring's defaults (htm, htu, Spring's own
     * jti validator, iat) except that the iat validator gets the benchmark's fixed clock.
     */
    static Contender spring() {
        DPoPProofJwtDecoderFactory factory = new DPoPProofJwtDecoderFactory();
        OAuth2TokenValidator<Jwt> jti = springJtiValidator();
        JwtIssuedAtValidator iat = new JwtIssuedAtValidator(true);
        iat.setClock(ProofPool.CLOCK);
        factory.setJwtValidatorFactory(context -> new DelegatingOAuth2TokenValidator<>(
                new JwtClaimValidator<String>("htm", context.getMethod()::equals),
                new JwtClaimValidator<String>("htu", context.getTargetUri()::equals), jti, iat));
        String htu = ProofPool.HTU.toString();
        return proof -> {
            DPoPProofContext context = DPoPProofContext.withDPoPProof(proof).method(ProofPool.HTM).targetUri(htu).build();
            Jwt jwt = factory.createDecoder(context).decode(proof);
            @SuppressWarnings("unchecked")
            Map<String, Object> jwk = (Map<String, Object>) jwt.getHeaders().get("jwk");
            return com.nimbusds.jose.jwk.JWK.parse(jwk).computeThumbprint().toString();
        };
    }

    /** Spring's private jti validator (SHA-256 of jti in a static 1000-entry LRU map). */
    @SuppressWarnings("unchecked")
    private static OAuth2TokenValidator<Jwt> springJtiValidator() {
        try {
            Class<?> type = Class.forName(DPoPProofJwtDecoderFactory.class.getName() + "$JtiClaimValidator");
            Constructor<?> constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            return (OAuth2TokenValidator<Jwt>) constructor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Spring Security's DPoP jti validator not found", e);
        }
    }

    /**
     * Keycloak 26's path (DPoPUtil.validateDPoP): Keycloak's TokenVerifier, DPoP and JWK types and JWKSUtils
     * thumbprint; the key decoded per proof by BouncyCastle's KeyFactory and the signature checked through JCA with
     * {@code Signature.getInstance(alg, "BC")} after the R||S to DER conversion, as keycloak-crypto-default does.
     */
    static Contender keycloak(MemoryReplayStore replay) {
        if (Security.getProvider("BC") == null) {
            Security.addProvider(new BouncyCastleProvider());
        }
        long now = ProofPool.NOW.getEpochSecond();
        return proof -> {
            TokenVerifier<DPoP> verifier = TokenVerifier.create(proof, DPoP.class);
            JWSHeader header = verifier.getHeader();
            require("dpop+jwt".equals(header.getType()), "typ");
            String alg = header.getAlgorithm().name();
            require(ALGS.contains(alg) && alg.startsWith("ES"), "alg");
            JWK jwk = header.getKey();
            require(jwk != null && jwk.getOtherClaims().get("d") == null, "jwk");
            PublicKey key = bcEcPublicKey(jwk);
            verifier.verifierContext(new BcJcaEcdsaVerifier(alg, key));
            verifier.withChecks(
                    dpop -> dpop.getIat() != null && dpop.getId() != null && dpop.getHttpMethod() != null && dpop.getHttpUri() != null,
                    dpop -> ProofPool.HTM.equals(dpop.getHttpMethod()) && ProofPool.HTU.equals(URI.create(dpop.getHttpUri())),
                    dpop -> dpop.getIat() >= now - 25 && dpop.getIat() <= now + 15,
                    dpop -> replay.firstUse(dpop.getId()));
            verifier.verify();
            return JWKSUtils.computeThumbprint(jwk);
        };
    }

    private static PublicKey bcEcPublicKey(JWK jwk) throws Exception {
        ECNamedCurveParameterSpec params = ECNamedCurveTable.getParameterSpec("secp256r1");
        ECNamedCurveSpec spec = new ECNamedCurveSpec("secp256r1", params.getCurve(), params.getG(), params.getN(), params.getH());
        BigInteger x = new BigInteger(1, java.util.Base64.getUrlDecoder().decode((String) jwk.getOtherClaims().get("x")));
        BigInteger y = new BigInteger(1, java.util.Base64.getUrlDecoder().decode((String) jwk.getOtherClaims().get("y")));
        return KeyFactory.getInstance("EC", "BC").generatePublic(
                new java.security.spec.ECPublicKeySpec(new java.security.spec.ECPoint(x, y), spec));
    }

    /** Keycloak's ECDSA verifier context: R||S to DER, then JCA with the BouncyCastle provider. */
    private record BcJcaEcdsaVerifier(String alg, PublicKey key) implements SignatureVerifierContext {

        @Override
        public String getKid() {
            return null;
        }

        @Override
        public String getAlgorithm() {
            return alg;
        }

        @Override
        public boolean verify(byte[] data, byte[] signature) throws VerificationException {
            try {
                int half = signature.length / 2;
                ASN1EncodableVector rs = new ASN1EncodableVector();
                rs.add(new ASN1Integer(new BigInteger(1, java.util.Arrays.copyOfRange(signature, 0, half))));
                rs.add(new ASN1Integer(new BigInteger(1, java.util.Arrays.copyOfRange(signature, half, signature.length))));
                Signature verifier = Signature.getInstance("SHA" + alg.substring(2) + "withECDSA", "BC");
                verifier.initVerify(key);
                verifier.update(data);
                return verifier.verify(new DERSequence(rs).getEncoded());
            } catch (Exception e) {
                throw new VerificationException("Verification failed", e);
            }
        }
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalArgumentException("DPoP proof refused: " + what);
        }
    }
}
