package io.github.keycloakdpop.core;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/**
 * Realm-wide DPoP proof policy.
 *
 * @param allowedAlgorithms JWS algorithms a proof may use; a subset of {@link #ALL_ASYMMETRIC}
 * @param maxAge            how long after its {@code iat} a proof is still accepted
 * @param clockSkew         tolerance for client clocks, applied to {@code iat}, {@code exp} and {@code nbf}
 * @param maxProofLength    largest DPoP header value accepted, checked before any decoding
 * @param maxJtiLength      longest {@code jti} accepted (RFC 9449 §11.1: bound what the replay store keeps)
 * @param literalHtu        also require {@code htu} to be written the way Keycloak's built-in DPoP check
 *                          compares it ({@link java.net.URI#equals}, query dropped), so we never accept a proof it
 *                          then refuses
 * @param literalHtuKeepsFragment with {@code literalHtu}: that comparison keeps a fragment of {@code htu}, as
 *                          Keycloak's does before 26.7 (so a fragment is refused); 26.7 drops it, as RFC 9449 says
 */
public record ProofPolicy(Set<String> allowedAlgorithms, Duration maxAge, Duration clockSkew,
                          int maxProofLength, int maxJtiLength, boolean literalHtu, boolean literalHtuKeepsFragment) {

    /** Asymmetric JWS algorithms (RFC 7518, RFC 8037) this verifier can check. */
    public static final Set<String> ALL_ASYMMETRIC =
            Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA");

    public ProofPolicy {
        allowedAlgorithms = checkAlgorithms(allowedAlgorithms);
        if (maxAge == null || maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxAge must be positive");
        }
        if (clockSkew == null || clockSkew.isNegative()) {
            throw new IllegalArgumentException("clockSkew must not be negative");
        }
        if (maxProofLength < 1) {
            throw new IllegalArgumentException("maxProofLength must be positive");
        }
        if (maxJtiLength < 1) {
            throw new IllegalArgumentException("maxJtiLength must be positive");
        }
    }

    /** Same as the canonical constructor with {@code literalHtu = true}, the fragment dropped (Keycloak 26.7). */
    public ProofPolicy(Set<String> allowedAlgorithms, Duration maxAge, Duration clockSkew,
                       int maxProofLength, int maxJtiLength) {
        this(allowedAlgorithms, maxAge, clockSkew, maxProofLength, maxJtiLength, true, false);
    }

    /** Same as the canonical constructor with the fragment dropped (Keycloak 26.7). */
    public ProofPolicy(Set<String> allowedAlgorithms, Duration maxAge, Duration clockSkew,
                       int maxProofLength, int maxJtiLength, boolean literalHtu) {
        this(allowedAlgorithms, maxAge, clockSkew, maxProofLength, maxJtiLength, literalHtu, false);
    }

    public static ProofPolicy defaults() {
        return new ProofPolicy(ALL_ASYMMETRIC, Duration.ofSeconds(10), Duration.ofSeconds(10), 8192, 256, true, false);
    }

    public ProofPolicy withAllowedAlgorithms(Set<String> algs) {
        return new ProofPolicy(algs, maxAge, clockSkew, maxProofLength, maxJtiLength, literalHtu,
                literalHtuKeepsFragment);
    }

    /** This policy with another proof window, for a realm or client narrower than the server. */
    public ProofPolicy withWindow(Duration maxAge, Duration clockSkew) {
        return new ProofPolicy(allowedAlgorithms, maxAge, clockSkew, maxProofLength, maxJtiLength, literalHtu,
                literalHtuKeepsFragment);
    }

    public ProofPolicy withLiteralHtu(boolean literal) {
        return new ProofPolicy(allowedAlgorithms, maxAge, clockSkew, maxProofLength, maxJtiLength, literal,
                literalHtuKeepsFragment);
    }

    /** @param keepsFragment whether the literal comparison keeps a fragment of {@code htu} (Keycloak before 26.7) */
    public ProofPolicy withLiteralHtuKeepingFragment(boolean keepsFragment) {
        return new ProofPolicy(allowedAlgorithms, maxAge, clockSkew, maxProofLength, maxJtiLength, literalHtu,
                keepsFragment);
    }

    private static Set<String> checkAlgorithms(Set<String> algs) {
        if (algs == null || algs.isEmpty()) {
            throw new IllegalArgumentException("allowedAlgorithms must not be empty");
        }
        for (String alg : algs) {
            // RFC 9449 §4.2 and §11.6: never "none", never a MAC.
            if (alg == null) {
                throw new IllegalArgumentException("allowedAlgorithms must not contain null");
            }
            if (alg.equals("none") || alg.startsWith("HS")) {
                throw new IllegalArgumentException("DPoP proofs must use an asymmetric algorithm, not " + alg);
            }
            if (!ALL_ASYMMETRIC.contains(alg)) {
                throw new IllegalArgumentException("Unsupported DPoP algorithm " + alg
                        + "; supported: " + String.join(", ", new TreeSet<>(ALL_ASYMMETRIC)));
            }
        }
        return Set.copyOf(algs);
    }
}
