package io.github.keycloakdpop.it;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Date;
import java.util.UUID;
import java.util.function.Consumer;

/** DPoP proofs made by a third-party library (Nimbus), so that the plugin never grades its own output. */
public final class Proofs {

    private Proofs() {
    }

    public static ECKey ecKey() {
        return ecKey(Curve.P_256);
    }

    public static ECKey ecKey(Curve curve) {
        try {
            return new ECKeyGenerator(curve).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static RSAKey rsaKey(int bits) {
        try {
            return new RSAKeyGenerator(bits, true).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A valid proof, as a conforming client library makes it. */
    public static String proof(JWK key, JWSAlgorithm alg, String htm, URI htu) {
        try {
            return new DefaultDPoPProofFactory(key, alg).createDPoPJWT(htm, htu).serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String proof(ECKey key, String htm, URI htu) {
        return proof(key, JWSAlgorithm.ES256, htm, htu);
    }

    /** A valid proof carrying a server nonce. */
    public static String proofWithNonce(ECKey key, String htm, URI htu, String nonce) {
        try {
            return new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256)
                    .createDPoPJWT(htm, htu, new com.nimbusds.openid.connect.sdk.Nonce(nonce)).serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A valid proof for a request that presents {@code accessToken} (with {@code ath}). */
    public static String proof(ECKey key, String htm, URI htu, String accessToken) {
        try {
            return new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256)
                    .createDPoPJWT(htm, htu, new DPoPAccessToken(accessToken)).serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A valid proof for a request that presents {@code accessToken}, carrying a server nonce. */
    public static String proofWithNonce(ECKey key, String htm, URI htu, String accessToken, String nonce) {
        try {
            return new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256).createDPoPJWT(htm, htu,
                    new DPoPAccessToken(accessToken), new com.nimbusds.openid.connect.sdk.Nonce(nonce)).serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A proof signed by {@code key} whose header and claims start out valid and are then changed by the callers,
     * for the bad-proof cases.
     */
    public static String crafted(JWK key, JWSAlgorithm alg, String htm, URI htu,
                                 Consumer<JWSHeader.Builder> header, Consumer<JWTClaimsSet.Builder> claims) {
        JWSHeader.Builder h = new JWSHeader.Builder(alg).type(new JOSEObjectType("dpop+jwt")).jwk(key.toPublicJWK());
        header.accept(h);
        JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().jwtID(UUID.randomUUID().toString())
                .claim("htm", htm).claim("htu", htu.toString()).issueTime(new Date());
        claims.accept(c);
        try {
            SignedJWT jwt = new SignedJWT(h.build(), c.build());
            jwt.sign(signer(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String crafted(ECKey key, String htm, URI htu, Consumer<JWTClaimsSet.Builder> claims) {
        return crafted(key, JWSAlgorithm.ES256, htm, htu, h -> { }, claims);
    }

    /**
     * A proof assembled by hand from raw JSON (for what Nimbus refuses to build: private keys in the header,
     * weak keys, {@code alg: none}...). {@code signer} null leaves the signature empty.
     */
    public static String raw(Map<String, Object> header, Map<String, Object> claims, JWSSigner signer,
                             JWSAlgorithm signAs) {
        String input = Base64URL.encode(JSONObjectUtils.toJSONString(header)) + "."
                + Base64URL.encode(JSONObjectUtils.toJSONString(claims));
        try {
            String signature = signer == null ? ""
                    : signer.sign(new JWSHeader(signAs), input.getBytes(StandardCharsets.US_ASCII)).toString();
            return input + "." + signature;
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Header and claims of a valid proof for {@code key}, as mutable maps, for {@link #raw}. */
    public static Map<String, Object> header(JWK publicJwk, String alg) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("typ", "dpop+jwt");
        header.put("alg", alg);
        header.put("jwk", publicJwk.toJSONObject());
        return header;
    }

    public static Map<String, Object> claims(String htm, URI htu) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("htm", htm);
        claims.put("htu", htu.toString());
        claims.put("iat", System.currentTimeMillis() / 1000);
        return claims;
    }

    /** An Ed25519 key pair from the JDK (Nimbus needs Tink for Ed25519 signing) and its public JWK. */
    public record Ed25519(java.security.KeyPair pair, JWK publicJwk) {

        public static Ed25519 generate() {
            try {
                java.security.KeyPair pair = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                byte[] spki = pair.getPublic().getEncoded(); // 12-byte SubjectPublicKeyInfo prefix, then the key
                byte[] x = java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
                JWK jwk = new com.nimbusds.jose.jwk.OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).build();
                return new Ed25519(pair, jwk);
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        public String proof(String htm, URI htu) {
            String input = Base64URL.encode(JSONObjectUtils.toJSONString(header(publicJwk, "EdDSA"))) + "."
                    + Base64URL.encode(JSONObjectUtils.toJSONString(claims(htm, htu)));
            try {
                java.security.Signature signature = java.security.Signature.getInstance("Ed25519");
                signature.initSign(pair.getPrivate());
                signature.update(input.getBytes(StandardCharsets.US_ASCII));
                return input + "." + Base64URL.encode(signature.sign());
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public static JWSSigner signer(JWK key) throws JOSEException {
        return key instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner((RSAKey) key);
    }

    public static String jkt(JWK key) {
        try {
            return key.toPublicJWK().computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
