package io.github.keycloakdpop.core;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;

/** Checks on the claims of a DPoP proof (RFC 9449 §4.2, §4.3 items 3, 8, 9, 11, 12). Times are exact decimal seconds. */
final class ClaimChecks {

    private ClaimChecks() {
    }

    static String jti(Map<String, Object> claims, int maxLength) throws DPoPProofException {
        Object jti = claims.get("jti");
        if (jti == null) {
            throw new DPoPProofException("DPoP proof is missing jti");
        }
        if (!(jti instanceof String s) || s.isEmpty()) {
            throw new DPoPProofException("DPoP proof jti must be a non-empty string");
        }
        // RFC 9449 §11.1: refuse large jti values instead of storing them.
        if (s.length() > maxLength) {
            throw new DPoPProofException("DPoP proof jti is longer than " + maxLength + " characters");
        }
        return s;
    }

    static void htm(Map<String, Object> claims, String method) throws DPoPProofException {
        Object htm = claims.get("htm");
        if (htm == null) {
            throw new DPoPProofException("DPoP proof is missing htm");
        }
        // Methods are case-sensitive (RFC 9110 §9.1): "post" is not POST.
        if (!method.equals(htm)) {
            throw new DPoPProofException("DPoP proof htm does not match the request method " + method);
        }
    }

    /** RFC 9449 §4.3 item 9; with {@code policy.literalHtu()}, also written as Keycloak's own re-check wants it. */
    static String htu(Map<String, Object> claims, URI requestUri, Htu.Target target, ProofPolicy policy)
            throws DPoPProofException {
        Object htu = claims.get("htu");
        if (htu == null) {
            throw new DPoPProofException("DPoP proof is missing htu");
        }
        if (htu instanceof String s && s.equals(target.literal()) && target.literalMatches()) {
            return s; // sent exactly as expected: both comparisons were made once for this request URI
        }
        // The descriptions quote neither htu nor the request URI: the latter can carry the caller's Host header.
        if (!(htu instanceof String s)) {
            throw new DPoPProofException("DPoP proof htu is not an absolute http(s) URI without userinfo");
        }
        if (!Htu.matchesNormalized(s, target.normalized())) {
            throw new DPoPProofException(Htu.mismatch(s, target.normalized()));
        }
        if (policy.literalHtu() && !Htu.writtenSameWay(s, requestUri, policy.literalHtuKeepsFragment())) {
            throw new DPoPProofException("DPoP proof htu is equivalent to the request URI but not written the same way: "
                    + (policy.literalHtuKeepsFragment() && s.indexOf('#') >= 0 ? "send it without a fragment"
                    : "send it without an explicit default port, dot segments or percent-encoded unreserved characters"));
        }
        return s;
    }

    /** RFC 9449 §11.1: accept a proof only for a limited time after its creation, with some clock skew. */
    static BigDecimal iat(Map<String, Object> claims, BigDecimal now, Duration maxAge, Duration clockSkew)
            throws DPoPProofException {
        BigDecimal iat = numericDate(claims, "iat");
        if (iat == null) {
            throw new DPoPProofException("DPoP proof is missing iat");
        }
        if (iat.compareTo(now.add(seconds(clockSkew))) > 0) {
            throw new DPoPProofException("DPoP proof iat is in the future (clock skew allowed: "
                    + clockSkew.toSeconds() + " s)");
        }
        if (iat.compareTo(now.subtract(seconds(maxAge)).subtract(seconds(clockSkew))) < 0) {
            throw new DPoPProofException("DPoP proof is too old (iat must be within " + maxAge.toSeconds()
                    + " s, plus " + clockSkew.toSeconds() + " s clock skew)");
        }
        return iat;
    }

    static void exp(Map<String, Object> claims, BigDecimal now, Duration clockSkew) throws DPoPProofException {
        BigDecimal exp = numericDate(claims, "exp");
        if (exp != null && now.compareTo(exp.add(seconds(clockSkew))) > 0) {
            throw new DPoPProofException("DPoP proof has expired (exp)");
        }
    }

    static void nbf(Map<String, Object> claims, BigDecimal now, Duration clockSkew) throws DPoPProofException {
        BigDecimal nbf = numericDate(claims, "nbf");
        if (nbf != null && nbf.compareTo(now.add(seconds(clockSkew))) > 0) {
            throw new DPoPProofException("DPoP proof is not valid yet (nbf)");
        }
    }

    /** RFC 9449 §7.1: with an access token, {@code ath} must be its hash. Null when there is no access token. */
    static String ath(Map<String, Object> claims, String accessToken) throws DPoPProofException {
        if (accessToken == null) {
            return null;
        }
        Object ath = claims.get("ath");
        if (ath == null) {
            throw new DPoPProofException("DPoP proof is missing ath");
        }
        byte[] expected;
        try {
            expected = AccessTokenHash.ath(accessToken).getBytes(StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException notAscii) {
            expected = null;
        }
        if (!(ath instanceof String s) || expected == null
                || !MessageDigest.isEqual(s.getBytes(StandardCharsets.UTF_8), expected)) {
            throw new DPoPProofException("DPoP proof ath does not match the access token");
        }
        return s;
    }

    /** Whether the nonce is acceptable is decided by the caller (RFC 9449 §8); here it only has to be a string. */
    static String nonce(Map<String, Object> claims) throws DPoPProofException {
        Object nonce = claims.get("nonce");
        if (nonce != null && !(nonce instanceof String)) {
            throw new DPoPProofException("DPoP proof nonce must be a string");
        }
        return (String) nonce;
    }

    static BigDecimal seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis(), 3);
    }

    /** RFC 7519 §2 NumericDate, possibly fractional; null if absent. */
    private static BigDecimal numericDate(Map<String, Object> claims, String name) throws DPoPProofException {
        if (!claims.containsKey(name)) {
            return null;
        }
        Object value = claims.get(name);
        if (value instanceof Long l) {
            return BigDecimal.valueOf(l);
        }
        if (value instanceof BigInteger b) {
            return new BigDecimal(b);
        }
        if (value instanceof Double d && Double.isFinite(d)) {
            return BigDecimal.valueOf(d);
        }
        throw new DPoPProofException("DPoP proof " + name + " must be a number (NumericDate)");
    }
}
