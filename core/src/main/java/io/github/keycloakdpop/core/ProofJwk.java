package io.github.keycloakdpop.core;

import java.util.Map;

/**
 * The {@code jwk} of a proof after the structural checks of {@link JwkChecks}: only the members that define the key
 * (RFC 7638 §3.2), decoded. Octets are as sent; the checks made them canonical (full-length EC coordinates,
 * minimal RSA integers), so re-encoding them gives the thumbprint input.
 *
 * @param kty     EC, RSA or OKP
 * @param crv     the curve for EC and OKP, null for RSA
 * @param x       EC or OKP x, else null
 * @param y       EC y, else null
 * @param n       RSA modulus, else null
 * @param e       RSA exponent, else null
 * @param members the defining members exactly as sent (strings), for the jose4j reference path
 */
record ProofJwk(String kty, String crv, byte[] x, byte[] y, byte[] n, byte[] e, Map<String, Object> members) {

    static ProofJwk ec(String crv, byte[] x, byte[] y, Map<String, Object> members) {
        return new ProofJwk("EC", crv, x, y, null, null, members);
    }

    static ProofJwk rsa(byte[] n, byte[] e, Map<String, Object> members) {
        return new ProofJwk("RSA", null, null, null, n, e, members);
    }

    static ProofJwk okp(String crv, byte[] x, Map<String, Object> members) {
        return new ProofJwk("OKP", crv, x, null, null, null, members);
    }
}
