package io.github.keycloakdpop.core;

import static io.github.keycloakdpop.core.Proofs.b64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

import org.junit.jupiter.api.Test;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;

import io.github.keycloakdpop.core.BothPaths.Outcome;

/**
 * The fast path accepts and refuses exactly what the jose4j reference path does, with the same jkt and the same
 * description, over a few thousand random valid and corrupted proofs (every bad-proof case of
 * {@link DPoPProofVerifierTest} already runs through both paths). Seeded, so a failure repeats.
 */
class FastPathEquivalenceTest {

    private static final int PROOFS = 3000;
    private static final int SIGNED = 160;
    private static final long SEED = 9449;

    /** How a valid proof is changed before both paths see it. */
    enum Mutation {
        NONE, FLIP_HEADER_BIT, FLIP_CLAIMS_BIT, FLIP_SIGNATURE_BIT, FLIP_ANY_CHARACTER, TRUNCATE_SIGNATURE,
        EXTEND_SIGNATURE, OTHER_PROOFS_SIGNATURE, HIGH_LOW_S, R_PLUS_N, S_PLUS_N, ZERO_R, NON_CANONICAL_JWK_PADDING
    }

    private record Signer(JWK key, JWSAlgorithm alg) {
    }

    private final Random random = new Random(SEED);
    private final List<Signer> signers = signers();
    /** Shared across proofs: each key meets the fast path first as new, then as known. */
    private final ProofKeyCache keys = ProofKeyCache.defaults();

    @Test
    void randomValidAndCorruptedProofsGetTheSameAnswer() throws Exception {
        Map<Mutation, int[]> acceptedAndRefused = new EnumMap<>(Mutation.class);
        // Signing (JDK ECDSA, RSA) is what costs time here: mutate a pool of signed proofs instead of signing each.
        List<Map.Entry<Signer, String>> pool = new ArrayList<>();
        for (int i = 0; i < SIGNED; i++) {
            Signer signer = signers.get(i % signers.size());
            pool.add(Map.entry(signer, Proofs.nimbus(signer.key(), signer.alg())));
        }
        for (int i = 0; i < PROOFS; i++) {
            Map.Entry<Signer, String> picked = pool.get(random.nextInt(pool.size()));
            Signer signer = picked.getKey();
            String valid = picked.getValue();
            Mutation mutation = Mutation.values()[random.nextInt(Mutation.values().length)];
            String other = pool.get((pool.indexOf(picked) + 1 + random.nextInt(pool.size() - 1)) % pool.size()).getValue();
            String proof = mutate(valid, other, signer, mutation);

            Outcome outcome = bothPaths().outcome(Proofs.request(proof));
            acceptedAndRefused.computeIfAbsent(mutation, m -> new int[2])[outcome.accepted() ? 0 : 1]++;
            if (mutation == Mutation.NON_CANONICAL_JWK_PADDING) {
                // set unused bits give the key a second spelling, and Keycloak another thumbprint: refused (RFC 7515
                // §2); a member whose length leaves no unused bits cannot be mutated so, and stays valid
                assertEquals(!hasUnusedBits(valid), outcome.accepted(), "non-canonical base64url in the jwk is refused");
            }
            if (outcome.accepted()) {
                assertEquals(signer.key().computeThumbprint().toString(), outcome.proof().jkt(), "jkt as Nimbus computes it");
            }
        }
        int[] none = acceptedAndRefused.get(Mutation.NONE);
        assertEquals(0, none[1], "every untouched proof is valid");
        assertEquals(0, acceptedAndRefused.get(Mutation.HIGH_LOW_S)[1], "both paths accept either S");
        for (Mutation refused : List.of(Mutation.FLIP_SIGNATURE_BIT, Mutation.TRUNCATE_SIGNATURE, Mutation.EXTEND_SIGNATURE,
                Mutation.OTHER_PROOFS_SIGNATURE, Mutation.R_PLUS_N, Mutation.S_PLUS_N, Mutation.ZERO_R)) {
            assertEquals(0, acceptedAndRefused.get(refused)[0], refused + " is never accepted");
        }
        int total = acceptedAndRefused.values().stream().mapToInt(c -> c[0] + c[1]).sum();
        assertEquals(PROOFS, total);
        assertTrue(acceptedAndRefused.values().stream().allMatch(c -> c[0] + c[1] > 100), "every mutation is exercised");
    }

    private BothPaths bothPaths() {
        // A fresh replay store per proof: the answer depends on the proof alone.
        return new BothPaths(ProofPolicy.defaults(), Proofs.CLOCK, new DPoPProofVerifierTest.RecordingGuard(),
                new DPoPProofVerifierTest.RecordingGuard(), keys);
    }

    private String mutate(String valid, String other, Signer signer, Mutation mutation) {
        String[] parts = valid.split("\\.");
        byte[] signature = Base64.getUrlDecoder().decode(parts[2]);
        boolean ec = signer.alg().getName().startsWith("ES");
        return switch (mutation) {
            case NONE -> valid;
            case FLIP_HEADER_BIT -> join(flipBit(decode(parts[0])), parts[1], parts[2]);
            case FLIP_CLAIMS_BIT -> join(parts[0], flipBit(decode(parts[1])), parts[2]);
            case FLIP_SIGNATURE_BIT -> join(parts[0], parts[1], flipBit(signature));
            case FLIP_ANY_CHARACTER -> flipCharacter(valid);
            case TRUNCATE_SIGNATURE -> join(parts[0], parts[1], b64(Arrays.copyOf(signature, signature.length - 1 - random.nextInt(8))));
            case EXTEND_SIGNATURE -> join(parts[0], parts[1], b64(Arrays.copyOf(signature, signature.length + 1 + random.nextInt(8))));
            case OTHER_PROOFS_SIGNATURE -> join(parts[0], parts[1], other.substring(other.lastIndexOf('.') + 1));
            case HIGH_LOW_S -> ec ? join(parts[0], parts[1], b64(withS(signature, signer, (s, n) -> n.subtract(s)))) : valid;
            case R_PLUS_N -> ec ? join(parts[0], parts[1], b64(withR(signature, signer, BigInteger::add))) : flipCharacter(valid);
            case S_PLUS_N -> ec ? join(parts[0], parts[1], b64(withS(signature, signer, BigInteger::add))) : flipCharacter(valid);
            case ZERO_R -> ec ? join(parts[0], parts[1], b64(withR(signature, signer, (r, n) -> BigInteger.ZERO)))
                    : join(parts[0], parts[1], b64(new byte[signature.length]));
            case NON_CANONICAL_JWK_PADDING -> Proofs.sign(new String(nonCanonicalKeyMember(decode(parts[0])), StandardCharsets.UTF_8),
                    new String(decode(parts[1]), StandardCharsets.UTF_8), Proofs.signer(signer.key()), signer.alg());
        };
    }

    private static byte[] decode(String segment) {
        return Base64.getUrlDecoder().decode(segment);
    }

    private static String join(Object header, Object claims, Object signature) {
        return segment(header) + "." + segment(claims) + "." + segment(signature);
    }

    private static String segment(Object part) {
        return part instanceof byte[] bytes ? b64(bytes) : (String) part;
    }

    private byte[] flipBit(byte[] bytes) {
        byte[] copy = bytes.clone();
        int bit = random.nextInt(copy.length * 8);
        copy[bit / 8] ^= (byte) (1 << (bit % 8));
        return copy;
    }

    /** Any character of the serialization, dots included, replaced by another base64url character or a stray one. */
    private String flipCharacter(String proof) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
        char[] chars = proof.toCharArray();
        int at = random.nextInt(chars.length);
        char replacement;
        do {
            replacement = alphabet.charAt(random.nextInt(alphabet.length()));
        } while (replacement == chars[at]);
        chars[at] = replacement;
        return new String(chars);
    }

    private static BigInteger order(Signer signer) {
        return ((ECKey) signer.key()).getCurve().toECParameterSpec().getOrder();
    }

    private static byte[] withR(byte[] signature, Signer signer, BiFunction<BigInteger, BigInteger, BigInteger> change) {
        int half = signature.length / 2;
        BigInteger r = change.apply(new BigInteger(1, Arrays.copyOf(signature, half)), order(signer));
        return concat(r, new BigInteger(1, Arrays.copyOfRange(signature, half, signature.length)), half);
    }

    private static byte[] withS(byte[] signature, Signer signer, BiFunction<BigInteger, BigInteger, BigInteger> change) {
        int half = signature.length / 2;
        BigInteger s = change.apply(new BigInteger(1, Arrays.copyOfRange(signature, half, signature.length)), order(signer));
        return concat(new BigInteger(1, Arrays.copyOf(signature, half)), s, half);
    }

    /**
     * R and S as {@code half} octets each when they fit (r + n fits for P-521 only); otherwise the shortest
     * encoding of the two, which is then too long for the algorithm.
     */
    private static byte[] concat(BigInteger r, BigInteger s, int half) {
        int length = Math.max(half, Math.max(octets(r).length, octets(s).length));
        byte[] out = new byte[2 * length];
        byte[] rb = octets(r);
        byte[] sb = octets(s);
        System.arraycopy(rb, 0, out, length - rb.length, rb.length);
        System.arraycopy(sb, 0, out, 2 * length - sb.length, sb.length);
        return out;
    }

    private static byte[] octets(BigInteger value) {
        byte[] bytes = value.toByteArray();
        return bytes.length > 1 && bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }

    /**
     * The same header with the last character of the key's x (EC) or n (RSA) given non-zero padding bits: another
     * spelling of the same key (re-signed by the caller), which both paths must accept with the key's one jkt.
     */
    @SuppressWarnings("unchecked")
    private static byte[] nonCanonicalKeyMember(byte[] headerJson) {
        Map<String, Object> header = jsonMap(headerJson);
        Map<String, Object> jwk = new HashMap<>((Map<String, Object>) header.get("jwk"));
        String member = jwk.containsKey("x") ? "x" : "n";
        jwk.put(member, withPaddingBits((String) jwk.get(member)));
        header.put("jwk", jwk);
        return Proofs.json(header).getBytes(StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static boolean hasUnusedBits(String proof) {
        Map<String, Object> jwk = (Map<String, Object>) jsonMap(decode(proof.substring(0, proof.indexOf('.')))).get("jwk");
        String member = (String) (jwk.containsKey("x") ? jwk.get("x") : jwk.get("n"));
        return member.length() % 4 != 0;
    }

    private static String withPaddingBits(String base64url) {
        int unusedBits = base64url.length() % 4 == 2 ? 4 : base64url.length() % 4 == 3 ? 2 : 0;
        if (unusedBits == 0) {
            return base64url;
        }
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int last = alphabet.indexOf(base64url.charAt(base64url.length() - 1));
        return base64url.substring(0, base64url.length() - 1) + alphabet.charAt(last | 1);
    }

    private static Map<String, Object> jsonMap(byte[] json) {
        try {
            return new HashMap<>(com.nimbusds.jose.util.JSONObjectUtils.parse(new String(json, StandardCharsets.UTF_8)));
        } catch (java.text.ParseException e) {
            throw new AssertionError(e);
        }
    }

    private static List<Signer> signers() {
        List<Signer> signers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            signers.add(new Signer(ec(Curve.P_256), JWSAlgorithm.ES256));
        }
        signers.add(new Signer(Proofs.P256, JWSAlgorithm.ES256));
        signers.add(new Signer(ec(Curve.P_384), JWSAlgorithm.ES384));
        signers.add(new Signer(ec(Curve.P_521), JWSAlgorithm.ES512));
        signers.add(new Signer(Proofs.RSA, JWSAlgorithm.RS256));
        signers.add(new Signer(Proofs.RSA, JWSAlgorithm.PS256));
        return signers;
    }

    private static ECKey ec(Curve curve) {
        try {
            return new ECKeyGenerator(curve).generate();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new AssertionError(e);
        }
    }
}
