package io.github.keycloakdpop.core;

/**
 * A proof that passed every check.
 *
 * @param jkt   RFC 7638 SHA-256 thumbprint of the proof's public key, base64url
 * @param jti   the proof's {@code jti}
 * @param htm   the proof's {@code htm} (equal to the request method)
 * @param htu   the proof's {@code htu} as sent (it matched the request URI)
 * @param iat   the proof's {@code iat} in whole seconds (fractions dropped)
 * @param nonce the proof's {@code nonce}, or null; whether it is acceptable is decided elsewhere
 * @param ath   the proof's {@code ath}, or null when the request carried no access token
 * @param alg   the proof's JWS {@code alg}, for policies narrower than the verifier's (per client, say)
 */
public record VerifiedProof(String jkt, String jti, String htm, String htu, long iat, String nonce, String ath,
                            String alg) {
}
