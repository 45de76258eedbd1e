package io.github.keycloakdpop.core;

/**
 * A rejected DPoP proof. The error code is always {@code invalid_dpop_proof} (RFC 9449 §5, §7.1);
 * the description says exactly what was wrong and never repeats bytes taken from the proof.
 */
public final class DPoPProofException extends Exception {

    private static final long serialVersionUID = 1L;

    public static final String INVALID_DPOP_PROOF = "invalid_dpop_proof";

    /**
     * Which group of RFC 9449 §4.3 checks refused the proof: a fixed set, for counting refusals without ever using
     * what the caller sent as a label.
     */
    public enum Reason {
        /** missing, several or oversized DPoP headers, or not a compact JWS */
        HEADER,
        /** typ, alg, crit, key references */
        JOSE_HEADER,
        /** the embedded public key */
        JWK,
        /** the claims set itself, jti, nonce claim */
        CLAIMS,
        HTM,
        HTU,
        /** iat, exp, nbf */
        TIME,
        ATH,
        SIGNATURE,
        /** jti already used */
        REPLAY,
        /** anything else (a library or the replay store failing on hostile input) */
        MALFORMED
    }

    private Reason reason;

    public DPoPProofException(String description) {
        // No stack trace: any client can trigger this on every request, so it must stay cheap.
        super(description, null, false, false);
    }

    /**
     * RFC 9449 §11.1: the proof's {@code jti} was used before. Public for single-use stores kept outside the verifier
     * (Keycloak's own, say), so that every replay is answered alike.
     */
    public static DPoPProofException replay() {
        return new DPoPProofException("DPoP proof has already been used (jti replay)").at(Reason.REPLAY);
    }

    /** The check group that refused the proof; set once by the verifier. */
    public Reason reason() {
        return reason == null ? Reason.MALFORMED : reason;
    }

    DPoPProofException at(Reason stage) {
        if (reason == null) {
            reason = stage;
        }
        return this;
    }

    public String error() {
        return INVALID_DPOP_PROOF;
    }

    public String description() {
        return getMessage();
    }
}
