package io.github.keycloakdpop.core;

/**
 * A rejected DPoP proof. The error code is always {@code invalid_dpop_proof} (RFC 9449 §5, §7.1);
 * the description says exactly what was wrong and never repeats bytes taken from the proof.
 */
public final class DPoPProofException extends Exception {

    private static final long serialVersionUID = 1L;

    public static final String INVALID_DPOP_PROOF = "invalid_dpop_proof";

    public DPoPProofException(String description) {
        // No stack trace: any client can trigger this on every request, so it must stay cheap.
        super(description, null, false, false);
    }

    public String error() {
        return INVALID_DPOP_PROOF;
    }

    public String description() {
        return getMessage();
    }
}
