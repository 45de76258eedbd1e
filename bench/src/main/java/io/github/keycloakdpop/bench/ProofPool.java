package io.github.keycloakdpop.bench;

import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.util.BigIntegers;

/**
 * Proofs signed before the measured window, all for one request (POST to {@link #HTU}) at one instant
 * ({@link #NOW}) unless told otherwise: every verifier is given a clock fixed at that instant (or a wide enough
 * window), so the pool stays valid however long a run lasts. Every proof has its own jti (32 random octets).
 *
 * <p>Proofs are made here, not by one of the verifiers' libraries, so no contender reads proofs its own library
 * wrote: ECDSA with BouncyCastle's lightweight API (deterministic k, RFC 6979; fast enough to sign a million
 * proofs for {@link ScaleRun}), RSA (2048 bits, PKCS #1 v1.5 and PSS) and Ed25519 with the JDK.
 */
final class ProofPool {

    static final String HTM = "POST";
    static final URI HTU = URI.create("https://server.example.com/realms/bench/protocol/openid-connect/token");
    static final Instant NOW = Instant.ofEpochSecond(Instant.now().getEpochSecond());
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    /** Every algorithm the benchmarks cover, in the order of the report. */
    static final List<String> ALGORITHMS = List.of("ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA");

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Map<String, String> CURVE_FOR_ALG = Map.of("ES256", "P-256", "ES384", "P-384", "ES512", "P-521");
    private static final Map<String, String> BC_CURVE = Map.of("P-256", "secp256r1", "P-384", "secp384r1", "P-521", "secp521r1");
    private static final SecureRandom RANDOM = new SecureRandom();

    private ProofPool() {
    }

    /** {@code size} ES256 proofs spread round-robin over {@code keys} distinct P-256 keys. */
    static List<String> es256(int size, int keys) {
        return proofs("ES256", size, keys);
    }

    /** {@code size} proofs of {@code alg} at {@link #NOW}, spread round-robin over {@code keys} distinct keys. */
    static List<String> proofs(String alg, int size, int keys) {
        List<ClientKey> pairs = keys(alg, keys);
        return sign(size, i -> pairs.get(i % keys).proof(randomJti(), HTM, HTU, NOW.getEpochSecond(), null));
    }

    /** {@code n} new keys for {@code alg}, made on every core (RSA key generation is slow). */
    static List<ClientKey> keys(String alg, int n) {
        return IntStream.range(0, n).parallel().mapToObj(i -> ClientKey.generate(alg)).toList();
    }

    /** Proofs (or requests carrying them) 0 to size - 1, signed on every core. */
    static <T> List<T> sign(int size, IntFunction<T> proofAt) {
        return IntStream.range(0, size).parallel().mapToObj(proofAt).toList();
    }

    static String randomJti() {
        byte[] jti = new byte[32];
        ThreadLocalRandom.current().nextBytes(jti);
        return BASE64URL.encodeToString(jti);
    }

    static String base64url(byte[] octets) {
        return BASE64URL.encodeToString(octets);
    }

    /** A client's key pair for one algorithm: its public jwk and the proofs it signs. Thread-safe. */
    abstract static class ClientKey {

        final String alg;
        /** The JOSE header of every proof of this key, base64url: typ, alg and the public jwk. */
        private final String header;
        final String jwk;

        ClientKey(String alg, String jwk) {
            this.alg = alg;
            this.jwk = jwk;
            this.header = base64url(("{\"typ\":\"dpop+jwt\",\"alg\":\"" + alg + "\",\"jwk\":" + jwk + "}")
                    .getBytes(StandardCharsets.UTF_8));
        }

        static ClientKey generate(String alg) {
            return switch (alg) {
                case "ES256", "ES384", "ES512" -> Ecdsa.of(alg, BigIntegers.createRandomInRange(BigInteger.ONE,
                        Ecdsa.domain(alg).getN().subtract(BigInteger.ONE), RANDOM));
                case "RS256", "PS256" -> Jca.rsa(alg);
                case "EdDSA" -> Jca.ed25519();
                default -> throw new IllegalArgumentException("no key for " + alg);
            };
        }

        /** A DPoP proof (RFC 9449 §4.2) with these claims; {@code ath} only when not null. */
        String proof(String jti, String htm, URI htu, long iat, String ath) {
            String claims = "{\"jti\":\"" + jti + "\",\"htm\":\"" + htm + "\",\"htu\":\"" + htu + "\",\"iat\":" + iat
                    + (ath == null ? "" : ",\"ath\":\"" + ath + "\"") + "}";
            String signingInput = header + "." + base64url(claims.getBytes(StandardCharsets.UTF_8));
            return signingInput + "." + base64url(sign(signingInput.getBytes(StandardCharsets.US_ASCII)));
        }

        abstract byte[] sign(byte[] signingInput);
    }

    /** ECDSA keys and signatures with BouncyCastle's lightweight API: R and S concatenated (RFC 7518 §3.4). */
    static final class Ecdsa extends ClientKey {

        private final ECPrivateKeyParameters key;
        private final int octets;

        private Ecdsa(String alg, ECPrivateKeyParameters key, String jwk, int octets) {
            super(alg, jwk);
            this.key = key;
            this.octets = octets;
        }

        /** The key with private scalar {@code d} (1 ≤ d < n): {@link ScaleRun} derives its clients' keys this way. */
        static Ecdsa of(String alg, BigInteger d) {
            ECDomainParameters domain = domain(alg);
            ECPoint q = new FixedPointCombMultiplier().multiply(domain.getG(), d).normalize();
            int octets = (domain.getCurve().getFieldSize() + 7) / 8;
            String jwk = "{\"kty\":\"EC\",\"crv\":\"" + CURVE_FOR_ALG.get(alg) + "\",\"x\":\""
                    + base64url(BigIntegers.asUnsignedByteArray(octets, q.getAffineXCoord().toBigInteger())) + "\",\"y\":\""
                    + base64url(BigIntegers.asUnsignedByteArray(octets, q.getAffineYCoord().toBigInteger())) + "\"}";
            return new Ecdsa(alg, new ECPrivateKeyParameters(d, domain), jwk, octets);
        }

        static ECDomainParameters domain(String alg) {
            X9ECParameters curve = CustomNamedCurves.getByName(BC_CURVE.get(CURVE_FOR_ALG.get(alg)));
            return new ECDomainParameters(curve.getCurve(), curve.getG(), curve.getN(), curve.getH());
        }

        @Override
        byte[] sign(byte[] signingInput) {
            Digest digest = digest();
            byte[] hash = new byte[digest.getDigestSize()];
            digest.update(signingInput, 0, signingInput.length);
            digest.doFinal(hash, 0);
            ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(digest()));
            signer.init(true, key);
            BigInteger[] rs = signer.generateSignature(hash);
            byte[] signature = new byte[2 * octets];
            BigIntegers.asUnsignedByteArray(rs[0], signature, 0, octets);
            BigIntegers.asUnsignedByteArray(rs[1], signature, octets, octets);
            return signature;
        }

        private Digest digest() {
            return switch (alg) {
                case "ES384" -> new SHA384Digest();
                case "ES512" -> new SHA512Digest();
                default -> new SHA256Digest();
            };
        }
    }

    /** RSA (2048 bits; RS256, PS256) and Ed25519 keys and signatures with the JDK. */
    static final class Jca extends ClientKey {

        private final PrivateKey key;

        private Jca(String alg, PrivateKey key, String jwk) {
            super(alg, jwk);
            this.key = key;
        }

        static Jca rsa(String alg) {
            KeyPair pair = generate("RSA", 2048);
            RSAPublicKey pub = (RSAPublicKey) pair.getPublic();
            String jwk = "{\"kty\":\"RSA\",\"e\":\"" + base64url(BigIntegers.asUnsignedByteArray(pub.getPublicExponent()))
                    + "\",\"n\":\"" + base64url(BigIntegers.asUnsignedByteArray(pub.getModulus())) + "\"}";
            return new Jca(alg, pair.getPrivate(), jwk);
        }

        static Jca ed25519() {
            KeyPair pair = generate("Ed25519", 0);
            // The X.509 encoding of an Ed25519 public key ends with the 32 octets RFC 8037 puts in x.
            byte[] spki = pair.getPublic().getEncoded();
            String jwk = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"" + base64url(Arrays.copyOfRange(spki, spki.length - 32, spki.length)) + "\"}";
            return new Jca("EdDSA", pair.getPrivate(), jwk);
        }

        private static KeyPair generate(String type, int bits) {
            try {
                KeyPairGenerator generator = KeyPairGenerator.getInstance(type);
                if (bits > 0) {
                    generator.initialize(bits);
                }
                return generator.generateKeyPair();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        byte[] sign(byte[] signingInput) {
            try {
                Signature signature = switch (alg) {
                    case "RS256" -> Signature.getInstance("SHA256withRSA");
                    case "PS256" -> {
                        Signature pss = Signature.getInstance("RSASSA-PSS");
                        pss.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
                        yield pss;
                    }
                    default -> Signature.getInstance("Ed25519");
                };
                signature.initSign(key);
                signature.update(signingInput);
                return signature.sign();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
