package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.VerifiedProof;
import org.keycloak.jose.jws.JWSInput;
import org.keycloak.jose.jws.JWSInputException;
import org.keycloak.representations.AccessToken;

/**
 * RFC 9449 §5 in token exchange (RFC 8693): a DPoP-bound subject token is only exchanged with a proof of its key,
 * whatever the requesting client's settings. Keycloak 26.7 refuses the exchange itself, Keycloak 26.4 to 26.6 issue
 * a token bound to the proof's key (or unbound, without a proof): the plugin decides it for every release, before
 * the grant runs. The subject token is only read here, not verified: a forged one can only be refused, and Keycloak
 * verifies the one it exchanges.
 */
final class SubjectTokenBinding {

    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";

    private SubjectTokenBinding() {
    }

    /**
     * @param subjectToken the request's {@code subject_token}, or null
     * @param proof        the request's verified proof, or null
     * @return why the exchange is refused, or null
     */
    static String refusal(String subjectToken, VerifiedProof proof) {
        String jkt = cnfJkt(subjectToken);
        if (jkt == null) {
            return null;
        }
        if (proof == null) {
            return "The subject token is DPoP-bound: send a DPoP proof of its key";
        }
        return jkt.equals(proof.jkt()) ? null : "The DPoP proof key is not the key the subject token is bound to";
    }

    /** The {@code cnf.jkt} of a JWS subject token; null for anything else (Keycloak judges those). */
    static String cnfJkt(String subjectToken) {
        if (subjectToken == null || subjectToken.isEmpty()) {
            return null;
        }
        try {
            AccessToken token = new JWSInput(subjectToken).readJsonContent(AccessToken.class);
            return token == null || token.getConfirmation() == null ? null : token.getConfirmation().getKeyThumbprint();
        } catch (JWSInputException | RuntimeException e) {
            return null;
        }
    }
}
