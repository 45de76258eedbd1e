package io.github.keycloakdpop.core;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.EllipticCurve;
import java.util.Map;
import java.util.Set;

import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.lang.JoseException;

/** Checks on the {@code jwk} header of a DPoP proof, and the key built from it (RFC 9449 §4.2, §4.3 item 7). */
final class JwkChecks {

    // RFC 7518 §6.2.2, §6.3.2, §6.4 and RFC 8037 §2: any of these means key material that must stay private.
    private static final Set<String> PRIVATE_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");
    private static final BigInteger THREE = BigInteger.valueOf(3);
    private static final BigInteger MAX_RSA_EXPONENT = BigInteger.ONE.shiftLeft(256);
    private static final Map<String, String> CURVE_FOR_ALG = Map.of("ES256", "P-256", "ES384", "P-384", "ES512", "P-521");
    private static final Map<String, ECParameterSpec> CURVES =
            Map.of("P-256", curve("secp256r1"), "P-384", curve("secp384r1"), "P-521", curve("secp521r1"));
    private static final Map<String, Integer> EDDSA_KEY_LENGTHS = Map.of("Ed25519", 32, "Ed448", 57);

    private JwkChecks() {
    }

    /** The proof key, checked against {@code alg}; only the members that define the key are given to jose4j. */
    static PublicJsonWebKey publicKey(Map<String, Object> jwk, String alg) throws DPoPProofException {
        noPrivateMembers(jwk);
        String kty = alg.startsWith("ES") ? "EC" : alg.equals("EdDSA") ? "OKP" : "RSA";
        if (!kty.equals(jwk.get("kty"))) {
            throw new DPoPProofException("DPoP proof jwk must have kty " + kty + " for alg " + alg);
        }
        Map<String, Object> members = switch (kty) {
            case "EC" -> ec(jwk, alg);
            case "OKP" -> okp(jwk);
            default -> rsa(jwk);
        };
        try {
            return PublicJsonWebKey.Factory.newPublicJwk(members);
        } catch (JoseException | RuntimeException e) {
            throw new DPoPProofException("DPoP proof jwk is not a valid public key");
        }
    }

    private static void noPrivateMembers(Map<String, Object> jwk) throws DPoPProofException {
        for (String member : PRIVATE_MEMBERS) {
            if (jwk.containsKey(member)) {
                throw new DPoPProofException("DPoP proof jwk must be a public key");
            }
        }
    }

    private static Map<String, Object> rsa(Map<String, Object> jwk) throws DPoPProofException {
        BigInteger n = unsignedInteger(jwk, "n");
        BigInteger e = unsignedInteger(jwk, "e");
        if (n.bitLength() < 2048 || n.bitLength() > 8192) {
            throw new DPoPProofException("DPoP proof jwk RSA modulus must be 2048 to 8192 bits");
        }
        // Tiny or even exponents break RSA; huge ones only cost the verifier time.
        if (!e.testBit(0) || e.compareTo(THREE) < 0 || e.compareTo(MAX_RSA_EXPONENT) > 0) {
            throw new DPoPProofException("DPoP proof jwk RSA exponent must be odd, at least 3 and at most 2^256");
        }
        return Map.of("kty", "RSA", "n", jwk.get("n"), "e", jwk.get("e"));
    }

    private static Map<String, Object> ec(Map<String, Object> jwk, String alg) throws DPoPProofException {
        String crv = CURVE_FOR_ALG.get(alg);
        if (!crv.equals(jwk.get("crv"))) {
            throw new DPoPProofException("DPoP proof jwk must use curve " + crv + " for alg " + alg);
        }
        ECParameterSpec spec = CURVES.get(crv);
        BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
        int length = (p.bitLength() + 7) / 8;
        byte[] x = octets(jwk, "x");
        byte[] y = octets(jwk, "y");
        // RFC 7518 §6.2.1.2/3: full-length coordinates, which also makes the thumbprint input canonical.
        if (x.length != length || y.length != length) {
            throw new DPoPProofException("DPoP proof jwk coordinates must be " + length + " octets for " + crv);
        }
        if (!onCurve(spec.getCurve(), p, new BigInteger(1, x), new BigInteger(1, y))) {
            throw new DPoPProofException("DPoP proof jwk is not a point on " + crv);
        }
        return Map.of("kty", "EC", "crv", crv, "x", jwk.get("x"), "y", jwk.get("y"));
    }

    /**
     * y² = x³ + ax + b (mod p), with both coordinates reduced. Checked here rather than trusting every JCA provider
     * to refuse off-curve (invalid-curve) points; the NIST curves have cofactor 1, so on the curve means in the group.
     */
    private static boolean onCurve(EllipticCurve curve, BigInteger p, BigInteger x, BigInteger y) {
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            return false;
        }
        BigInteger left = y.multiply(y).mod(p);
        BigInteger right = x.pow(3).add(curve.getA().multiply(x)).add(curve.getB()).mod(p);
        return left.equals(right);
    }

    private static Map<String, Object> okp(Map<String, Object> jwk) throws DPoPProofException {
        Integer length = jwk.get("crv") instanceof String crv ? EDDSA_KEY_LENGTHS.get(crv) : null;
        if (length == null) {
            throw new DPoPProofException("DPoP proof jwk must use curve Ed25519 or Ed448 for alg EdDSA");
        }
        if (octets(jwk, "x").length != length) {
            throw new DPoPProofException("DPoP proof jwk x has the wrong length for its curve");
        }
        return Map.of("kty", "OKP", "crv", jwk.get("crv"), "x", jwk.get("x"));
    }

    /**
     * RFC 7518 §2 Base64urlUInt, which MUST use the minimum number of octets: a leading zero would give one key a
     * second spelling, and a thumbprint that depends on who recomputes it.
     */
    private static BigInteger unsignedInteger(Map<String, Object> jwk, String member) throws DPoPProofException {
        byte[] octets = octets(jwk, member);
        if (octets.length == 0 || octets[0] == 0) {
            throw new DPoPProofException("DPoP proof jwk " + member + " must use the minimum number of octets");
        }
        return new BigInteger(1, octets);
    }

    private static byte[] octets(Map<String, Object> jwk, String member) throws DPoPProofException {
        byte[] octets = jwk.get(member) instanceof String s ? CompactJws.base64url(s) : null;
        if (octets == null) {
            throw new DPoPProofException("DPoP proof jwk " + member + " must be a base64url string");
        }
        return octets;
    }

    private static ECParameterSpec curve(String name) {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec(name));
            return parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks curve " + name, e);
        }
    }
}
