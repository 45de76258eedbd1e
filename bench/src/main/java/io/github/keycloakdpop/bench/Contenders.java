package io.github.keycloakdpop.bench;

import java.lang.reflect.Constructor;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.net.URI;
import java.security.KeyFactory;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.Arrays;
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
import org.keycloak.common.crypto.CryptoIntegration;
import org.keycloak.common.crypto.CryptoProvider;
import org.keycloak.common.crypto.ECDSACryptoProvider;
import org.keycloak.crypto.AsymmetricSignatureVerifierContext;
import org.keycloak.crypto.ECDSAAlgorithm;
import org.keycloak.crypto.ECDSASignatureVerifierContext;
import org.keycloak.crypto.JavaAlgorithm;
import org.keycloak.crypto.KeyWrapper;
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

    private static final Set<String> ALGS = Set.copyOf(ProofPool.ALGORITHMS);

    /**
     * Whether a contender verifies proofs of {@code alg}: Nimbus's DPoP verifiers and Spring's decoder take only
     * the RSA and EC families (Nimbus lists no EdDSA in its DPoP algorithms and would need Google Tink for
     * Ed25519; Spring's key selector refuses any other family).
     */
    static boolean supports(String contender, String alg) {
        return !(contender.startsWith("nimbus") || contender.startsWith("spring")) || !alg.equals("EdDSA");
    }

    private Contenders() {
    }

    /** The contender a VerifyBench method measures on proofs from keys it has seen before, by the method's name. */
    static Contender named(String benchmark, MemoryReplayStore replay) {
        return switch (benchmark) {
            case "oursFastKeySeenBefore" -> ours(replay, ProofKeyCache.defaults());
            case "oursJose4jReference" -> ours(replay, null);
            case "jose4jJwtConsumer" -> jose4j(replay);
            case "nimbusDPoPVerifier" -> nimbus(replay);
            case "springDPoPDecoder" -> spring();
            case "keycloakBcJca" -> keycloak(replay);
            default -> throw new IllegalArgumentException("no contender for " + benchmark);
        };
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

    static final Set<JWSAlgorithm> NIMBUS_ALGS =
            Set.of(JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.RS256, JWSAlgorithm.PS256);

    /** Nimbus oauth2-oidc-sdk's token-endpoint DPoP verifier (signature, claims, single use, thumbprint). */
    static Contender nimbus(MemoryReplayStore replay) {
        // Nimbus reads the system clock: a day of allowed skew keeps the pre-signed pool valid.
        DPoPTokenRequestVerifier verifier = new DPoPTokenRequestVerifier(NIMBUS_ALGS, ProofPool.HTU, Duration.ofDays(1).toSeconds(),
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
     * Keycloak 26's path, DPoPUtil.validateDPoP with Keycloak's own classes: TokenVerifier and DPoP, the key decoded
     * per proof by JWKSUtils.getKeyWrapper (JWKParser: BouncyCastle's KeyFactory for EC keys, the JDK's for RSA and
     * Ed25519), Keycloak's signature verifier contexts, the claim checks, and the JWKSUtils thumbprint. Keycloak's
     * crypto module is not on Maven Central, so {@link #keycloakCrypto} stands in for its default provider.
     *
     * <p>Keycloak's verifier contexts ask JCA for the signature without naming a provider, and Keycloak appends
     * BouncyCastle to the provider list, so JCA picks by key and algorithm, as on a stock Keycloak: BouncyCastle for
     * ECDSA (the key is a BouncyCastle key) and PS256 (only BouncyCastle knows "SHA256withRSAandMGF1"), the JDK for
     * RS256 and Ed25519. {@code -Dbench.keycloak.signature=bc} has BouncyCastle check every signature instead
     * ({@code Signature.getInstance(alg, "BC")}), the stronger opponent where it is faster (Ed25519).
     */
    static Contender keycloak(MemoryReplayStore replay) {
        keycloakCrypto();
        boolean bcOnly = "bc".equals(System.getProperty("bench.keycloak.signature", "keycloak"));
        long now = ProofPool.NOW.getEpochSecond();
        return proof -> {
            TokenVerifier<DPoP> verifier = TokenVerifier.create(proof, DPoP.class);
            JWSHeader header = verifier.getHeader();
            require("dpop+jwt".equals(header.getType()), "typ");
            String alg = header.getAlgorithm().name();
            require(ALGS.contains(alg), "alg");
            JWK jwk = header.getKey();
            require(jwk != null, "jwk");
            KeyWrapper key = JWKSUtils.getKeyWrapper(jwk);
            require(key != null && key.getPublicKey() != null && key.getPrivateKey() == null, "jwk");
            key.setAlgorithm(alg);
            verifier.verifierContext(bcOnly ? new BcJcaVerifier(key) : keycloakVerifierContext(key));
            verifier.withChecks(
                    dpop -> dpop.getIat() != null && dpop.getId() != null && dpop.getHttpMethod() != null && dpop.getHttpUri() != null,
                    dpop -> ProofPool.HTM.equals(dpop.getHttpMethod()) && ProofPool.HTU.equals(URI.create(dpop.getHttpUri())),
                    dpop -> dpop.getIat() >= now - 25 && dpop.getIat() <= now + 15,
                    dpop -> replay.firstUse(dpop.getId()));
            verifier.verify();
            return JWKSUtils.computeThumbprint(jwk);
        };
    }

    /** What Keycloak's signature providers hand out for a proof key (ServerECDSASignatureVerifierContext and the like). */
    private static SignatureVerifierContext keycloakVerifierContext(KeyWrapper key) throws VerificationException {
        return key.getAlgorithmOrDefault().startsWith("ES") ? new ECDSASignatureVerifierContext(key) : new AsymmetricSignatureVerifierContext(key);
    }

    /** The signature by BouncyCastle through JCA whatever the key: R||S to DER for ECDSA as Keycloak converts it, then {@code Signature.getInstance(alg, "BC")}. */
    private record BcJcaVerifier(KeyWrapper key) implements SignatureVerifierContext {

        @Override
        public String getKid() {
            return key.getKid();
        }

        @Override
        public String getAlgorithm() {
            return key.getAlgorithmOrDefault();
        }

        @Override
        public boolean verify(byte[] data, byte[] signature) throws VerificationException {
            try {
                String alg = getAlgorithm();
                byte[] encoded = alg.startsWith("ES")
                        ? ECDSAAlgorithm.concatenatedRSToASN1DER(signature, ECDSAAlgorithm.getSignatureLength(alg))
                        : signature;
                Signature verifier = Signature.getInstance(JavaAlgorithm.getJavaAlgorithm(alg, key.getCurve()), "BC");
                verifier.initVerify((PublicKey) key.getPublicKey());
                verifier.update(data);
                return verifier.verify(encoded);
            } catch (Exception e) {
                throw new VerificationException("Verification failed", e);
            }
        }
    }

    /**
     * Keycloak's default crypto provider (keycloak-crypto-default), as far as proof verification calls it:
     * BouncyCastle's key factories and curve parameters, and the R||S to DER conversion. BouncyCastle is appended
     * to the JCA providers, as that provider does. Installed once per JVM.
     */
    private static synchronized void keycloakCrypto() {
        if (CryptoIntegration.isInitialised()) {
            return;
        }
        if (Security.getProvider("BC") == null) {
            Security.addProvider(new BouncyCastleProvider());
        }
        Provider bc = Security.getProvider("BC");
        ECDSACryptoProvider ecdsa = new ECDSACryptoProvider() {
            @Override
            public byte[] concatenatedRSToASN1DER(byte[] signature, int length) throws java.io.IOException {
                int half = length / 2;
                ASN1EncodableVector rs = new ASN1EncodableVector();
                rs.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(signature, 0, half))));
                rs.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(signature, half, length))));
                return new DERSequence(rs).getEncoded();
            }

            @Override
            public byte[] asn1derToConcatenatedRS(byte[] derSignature, int length) {
                throw new UnsupportedOperationException("signing is not benchmarked");
            }

            @Override
            public java.security.interfaces.ECPublicKey getPublicFromPrivate(ECPrivateKey key) {
                throw new UnsupportedOperationException("signing is not benchmarked");
            }
        };
        CryptoProvider provider = (CryptoProvider) Proxy.newProxyInstance(Contenders.class.getClassLoader(),
                new Class<?>[] {CryptoProvider.class}, (self, method, args) -> switch (method.getName()) {
                    case "getBouncyCastleProvider" -> bc;
                    case "order" -> 200;
                    case "getKeyFactory" -> KeyFactory.getInstance((String) args[0], bc);
                    case "createECParams" -> ecParameters((String) args[0]);
                    case "getEcdsaCryptoProvider" -> ecdsa;
                    case "getSignature" -> Signature.getInstance(JavaAlgorithm.getJavaAlgorithm((String) args[0]), bc);
                    case "toString" -> "bench stand-in for Keycloak's DefaultCryptoProvider";
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == args[0];
                    default -> throw new UnsupportedOperationException(method.getName() + " is not on the proof verification path");
                });
        CryptoIntegration.setProvider(provider);
    }

    private static ECNamedCurveSpec ecParameters(String curve) {
        ECNamedCurveParameterSpec spec = ECNamedCurveTable.getParameterSpec(curve);
        return new ECNamedCurveSpec(curve, spec.getCurve(), spec.getG(), spec.getN());
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalArgumentException("DPoP proof refused: " + what);
        }
    }
}
