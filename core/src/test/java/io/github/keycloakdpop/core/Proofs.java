package io.github.keycloakdpop.core;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
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
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.id.JWTID;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;

/** Test fixtures. Proofs are made with Nimbus or by hand, never with the code under test. */
final class Proofs {

    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    static final long NOW_S = NOW.getEpochSecond();
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final URI TOKEN_ENDPOINT = URI.create("https://server.example.com/realms/test/protocol/openid-connect/token");
    static final String RFC_ACCESS_TOKEN = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
    static final String RFC_ATH = "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo";
    /** An attacker-chosen string that must never appear in an error description. */
    static final String MARKER = "ZZ-ATTACKER-MARKER-ZZ";

    static final ECKey P256 = ec(Curve.P_256);
    static final ECKey P384 = ec(Curve.P_384);
    static final ECKey P521 = ec(Curve.P_521);
    static final RSAKey RSA = rsa();

    private Proofs() {
    }

    static ProofRequest request(String proof) {
        return new ProofRequest(List.of(proof), "POST", TOKEN_ENDPOINT, null, "test");
    }

    static String nimbus(JWK key, JWSAlgorithm alg) {
        return nimbus(key, alg, "POST", TOKEN_ENDPOINT, NOW, null);
    }

    static String nimbus(JWK key, JWSAlgorithm alg, String htm, URI htu, Instant iat, String accessToken) {
        try {
            return new DefaultDPoPProofFactory(key, alg)
                    .createDPoPJWT(new JWTID(), htm, htu, Date.from(iat),
                            accessToken == null ? null : new DPoPAccessToken(accessToken))
                    .serialize();
        } catch (JOSEException e) {
            throw new AssertionError(e);
        }
    }

    /** A mutable ES256 header {typ, alg, jwk} for hand-crafted proofs. */
    static Map<String, Object> header() {
        return header("ES256", P256);
    }

    static Map<String, Object> header(String alg, JWK key) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("typ", "dpop+jwt");
        header.put("alg", alg);
        header.put("jwk", new HashMap<>(key.toPublicJWK().toJSONObject()));
        return header;
    }

    /** Mutable valid claims for a POST to the token endpoint, created now. */
    static Map<String, Object> claims() {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("htm", "POST");
        claims.put("htu", TOKEN_ENDPOINT.toString());
        claims.put("iat", NOW_S);
        return claims;
    }

    /** ES256-signed with P256. */
    static String es256(Map<String, Object> header, Map<String, Object> claims) {
        return sign(json(header), json(claims), signer(P256), JWSAlgorithm.ES256);
    }

    static String es256(Map<String, Object> claims) {
        return es256(header(), claims);
    }

    /** For checks that run before the signature: any well-formed signature segment will do. */
    static String unsigned(Map<String, Object> header, Map<String, Object> claims) {
        return b64(json(header)) + "." + b64(json(claims)) + ".c2lnbmF0dXJl";
    }

    static String sign(String headerJson, String claimsJson, JWSSigner signer, JWSAlgorithm alg) {
        String input = b64(headerJson) + "." + b64(claimsJson);
        try {
            return input + "." + signer.sign(new JWSHeader(alg), input.getBytes(StandardCharsets.US_ASCII));
        } catch (JOSEException e) {
            throw new AssertionError(e);
        }
    }

    /** Ed25519 with the JDK, since Nimbus needs Tink for it. Returns {proof, x}. */
    static String[] ed25519(Map<String, Object> claims) throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] spki = pair.getPublic().getEncoded();
        String x = b64(java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length));
        String header = json(Map.of("typ", "dpop+jwt", "alg", "EdDSA",
                "jwk", Map.of("kty", "OKP", "crv", "Ed25519", "x", x)));
        String input = b64(header) + "." + b64(json(claims));
        Signature signature = Signature.getInstance("Ed25519");
        signature.initSign(pair.getPrivate());
        signature.update(input.getBytes(StandardCharsets.US_ASCII));
        return new String[] {input + "." + b64(signature.sign()), x};
    }

    static JWSSigner signer(JWK key) {
        try {
            return key instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner((RSAKey) key);
        } catch (JOSEException e) {
            throw new AssertionError(e);
        }
    }

    static String json(Map<String, ?> map) {
        return JSONObjectUtils.toJSONString(map);
    }

    static String b64(String s) {
        return b64(s.getBytes(StandardCharsets.UTF_8));
    }

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static ECKey ec(Curve curve) {
        try {
            return new ECKeyGenerator(curve).generate();
        } catch (JOSEException e) {
            throw new AssertionError(e);
        }
    }

    private static RSAKey rsa() {
        try {
            return new RSAKeyGenerator(2048).generate();
        } catch (JOSEException e) {
            throw new AssertionError(e);
        }
    }
}
