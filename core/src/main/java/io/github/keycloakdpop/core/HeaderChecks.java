package io.github.keycloakdpop.core;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Checks on the JOSE header of a DPoP proof (RFC 9449 §4.2, §4.3 items 4, 5). */
final class HeaderChecks {

    private HeaderChecks() {
    }

    static void typ(Map<String, Object> header) throws DPoPProofException {
        // Explicit typing keeps JWTs minted for other purposes from passing as proofs (RFC 9449 §11.5).
        if (!"dpop+jwt".equals(header.get("typ"))) {
            throw new DPoPProofException("DPoP proof typ must be dpop+jwt");
        }
    }

    static String alg(Map<String, Object> header, Set<String> allowed) throws DPoPProofException {
        if (!(header.get("alg") instanceof String alg)) {
            throw new DPoPProofException("DPoP proof is missing alg");
        }
        // ProofPolicy admits only asymmetric algorithms, so this also refuses "none" and HS* (RFC 9449 §4.2, §11.6).
        if (!allowed.contains(alg)) {
            throw new DPoPProofException("DPoP proof alg is not allowed; use one of " + String.join(", ", new TreeSet<>(allowed)));
        }
        return alg;
    }

    static void noCrit(Map<String, Object> header) throws DPoPProofException {
        // RFC 7515 §4.1.11: extensions marked critical must be understood; we understand none.
        if (header.containsKey("crit")) {
            throw new DPoPProofException("DPoP proof uses unsupported critical header parameters");
        }
    }

    static void noKeyReferences(Map<String, Object> header) throws DPoPProofException {
        // The proof key is the one in "jwk" (RFC 9449 §4.2). Dereferencing jku/x5u would let any client make the
        // server send requests, and x5c would be a second key that may differ from jwk: refuse rather than choose.
        for (String name : List.of("jku", "x5u", "x5c")) {
            if (header.containsKey(name)) {
                throw new DPoPProofException("DPoP proof must carry its key only in jwk (jku, x5u and x5c are not accepted)");
            }
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> jwk(Map<String, Object> header) throws DPoPProofException {
        Object jwk = header.get("jwk");
        if (jwk == null) {
            throw new DPoPProofException("DPoP proof header has no jwk");
        }
        if (!(jwk instanceof Map)) {
            throw new DPoPProofException("DPoP proof jwk is not a JSON object");
        }
        return (Map<String, Object>) jwk;
    }
}
