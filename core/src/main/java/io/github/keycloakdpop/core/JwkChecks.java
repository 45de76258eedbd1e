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

    /**
     * The proof key's defining members, checked against {@code alg}. Everything but the EC point check, which costs
     * field arithmetic and is done by {@link #onCurve} only for a key that is not already known to be valid.
     */
    static ProofJwk publicKey(Map<String, Object> jwk, String alg) throws DPoPProofException {
        noPrivateMembers(jwk);
        String kty = alg.startsWith("ES") ? "EC" : alg.equals("EdDSA") ? "OKP" : "RSA";
        if (!kty.equals(jwk.get("kty"))) {
            throw new DPoPProofException("DPoP proof jwk must have kty " + kty + " for alg " + alg);
        }
        return switch (kty) {
            case "EC" -> ec(jwk, alg);
            case "OKP" -> okp(jwk);
            default -> rsa(jwk);
        };
    }

    /**
     * y² = x³ + ax + b (mod p), with both coordinates reduced; a no-op for RSA and OKP keys. Checked here rather than
     * trusting every JCA provider to refuse off-curve (invalid-curve) points; the NIST curves have cofactor 1, so on
     * the curve means in the group.
     */
    static void onCurve(ProofJwk jwk) throws DPoPProofException {
        if (!"EC".equals(jwk.kty())) {
            return;
        }
        ECParameterSpec spec = CURVES.get(jwk.crv());
        BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
        if (!onCurve(spec.getCurve(), p, new BigInteger(1, jwk.x()), new BigInteger(1, jwk.y()))) {
            throw new DPoPProofException("DPoP proof jwk is not a point on " + jwk.crv());
        }
    }

    /** The jose4j key for the reference path; the checks above have passed. */
    static PublicJsonWebKey jose4jKey(ProofJwk jwk) throws DPoPProofException {
        try {
            return PublicJsonWebKey.Factory.newPublicJwk(jwk.members());
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

    private static ProofJwk rsa(Map<String, Object> jwk) throws DPoPProofException {
        byte[] nOctets = unsignedInteger(jwk, "n");
        byte[] eOctets = unsignedInteger(jwk, "e");
        BigInteger n = new BigInteger(1, nOctets);
        BigInteger e = new BigInteger(1, eOctets);
        if (n.bitLength() < 2048 || n.bitLength() > 8192) {
            throw new DPoPProofException("DPoP proof jwk RSA modulus must be 2048 to 8192 bits");
        }
        // Tiny or even exponents break RSA; huge ones only cost the verifier time.
        if (!e.testBit(0) || e.compareTo(THREE) < 0 || e.compareTo(MAX_RSA_EXPONENT) > 0) {
            throw new DPoPProofException("DPoP proof jwk RSA exponent must be odd, at least 3 and at most 2^256");
        }
        return ProofJwk.rsa(nOctets, eOctets, Map.of("kty", "RSA", "n", jwk.get("n"), "e", jwk.get("e")));
    }

    private static ProofJwk ec(Map<String, Object> jwk, String alg) throws DPoPProofException {
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
        return ProofJwk.ec(crv, x, y, Map.of("kty", "EC", "crv", crv, "x", jwk.get("x"), "y", jwk.get("y")));
    }

    private static boolean onCurve(EllipticCurve curve, BigInteger p, BigInteger x, BigInteger y) {
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            return false;
        }
        BigInteger left = y.multiply(y).mod(p);
        BigInteger right = x.pow(3).add(curve.getA().multiply(x)).add(curve.getB()).mod(p);
        return left.equals(right);
    }

    private static ProofJwk okp(Map<String, Object> jwk) throws DPoPProofException {
        String crv = jwk.get("crv") instanceof String s ? s : null;
        Integer length = crv == null ? null : EDDSA_KEY_LENGTHS.get(crv);
        if (length == null) {
            throw new DPoPProofException("DPoP proof jwk must use curve Ed25519 or Ed448 for alg EdDSA");
        }
        byte[] x = octets(jwk, "x");
        if (x.length != length) {
            throw new DPoPProofException("DPoP proof jwk x has the wrong length for its curve");
        }
        // A point of the curve, canonically encoded and not of small order (RFC 8032 §5.1.3), checked here for both
        // verification paths alike; the JDK would only find out when verifying, as a bad signature.
        if (crv.equals("Ed25519") && !org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyPartial(x, 0)) {
            throw new DPoPProofException("DPoP proof jwk x is not a valid Ed25519 public key");
        }
        return ProofJwk.okp(crv, x, Map.of("kty", "OKP", "crv", crv, "x", jwk.get("x")));
    }

    /**
     * RFC 7518 §2 Base64urlUInt, which MUST use the minimum number of octets: a leading zero would give one key a
     * second spelling, and a thumbprint that depends on who recomputes it.
     */
    private static byte[] unsignedInteger(Map<String, Object> jwk, String member) throws DPoPProofException {
        byte[] octets = octets(jwk, member);
        if (octets.length == 0 || octets[0] == 0) {
            throw new DPoPProofException("DPoP proof jwk " + member + " must use the minimum number of octets");
        }
        return octets;
    }

    private static byte[] octets(Map<String, Object> jwk, String member) throws DPoPProofException {
        byte[] octets = jwk.get(member) instanceof String s ? CompactJws.base64url(s) : null;
        if (octets == null) {
            throw new DPoPProofException(jwk.get(member) instanceof String s && !CompactJws.canonical(s)
                    ? "DPoP proof jwk " + member + " must be canonical base64url (unused bits set in its last character)"
                    : "DPoP proof jwk " + member + " must be a base64url string");
        }
        return octets;
    }

    /** The JWK {@code crv} of these curve parameters (RFC 7518 §6.2.1.1), or null for a curve a proof cannot use. */
    static String curveName(ECParameterSpec spec) {
        for (Map.Entry<String, ECParameterSpec> curve : CURVES.entrySet()) {
            ECParameterSpec known = curve.getValue();
            if (known.getOrder().equals(spec.getOrder()) && known.getCofactor() == spec.getCofactor()
                    && known.getCurve().equals(spec.getCurve()) && known.getGenerator().equals(spec.getGenerator())) {
                return curve.getKey();
            }
        }
        return null;
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
