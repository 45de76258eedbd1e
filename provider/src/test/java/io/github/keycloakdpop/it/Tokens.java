package io.github.keycloakdpop.it;

import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.util.Map;

/** Reads (without verifying) the claims of a token Keycloak issued. */
public final class Tokens {

    private Tokens() {
    }

    public static Map<String, Object> claims(String jwt) {
        try {
            return SignedJWT.parse(jwt).getJWTClaimsSet().toJSONObject();
        } catch (ParseException e) {
            throw new AssertionError("not a JWT: " + jwt, e);
        }
    }

    /** The {@code cnf.jkt} of an access token, or null. */
    @SuppressWarnings("unchecked")
    public static String cnfJkt(String jwt) {
        Object cnf = claims(jwt).get("cnf");
        return cnf instanceof Map<?, ?> map ? (String) ((Map<String, Object>) map).get("jkt") : null;
    }
}
