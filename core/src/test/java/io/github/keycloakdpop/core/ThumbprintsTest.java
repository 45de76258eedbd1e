package io.github.keycloakdpop.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jose4j.jwk.PublicJsonWebKey;
import org.junit.jupiter.api.Test;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;

/** The hand-written RFC 7638 input gives the thumbprint jose4j and Nimbus compute, for every key type. */
class ThumbprintsTest {

    @Test
    void rfc7638Example() throws Exception {
        // RFC 7638 §3.1
        Map<String, Object> jwk = Map.of("kty", "RSA", "e", "AQAB", "n",
                "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs"
                        + "tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n"
                        + "91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw");
        ProofJwk checked = JwkChecks.publicKey(jwk, "RS256");
        assertEquals("{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"" + jwk.get("n") + "\"}", ascii(Thumbprints.canonicalJson(checked)));
        assertEquals("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", Thumbprints.jkt(checked));
    }

    @Test
    void sameAsJose4jAndNimbusForRandomKeys() throws Exception {
        for (int i = 0; i < 40; i++) {
            check(new ECKeyGenerator(Curve.P_256).generate(), "ES256");
            check(new ECKeyGenerator(Curve.P_384).generate(), "ES384");
            check(new ECKeyGenerator(Curve.P_521).generate(), "ES512");
            check(ed25519(), "EdDSA");
        }
        for (int i = 0; i < 4; i++) {
            check(new RSAKeyGenerator(2048 + 8 * i).generate(), "RS256");
        }
        // Ed448: Nimbus cannot generate it; any 57 octets are a well-formed x for the thumbprint.
        OctetKeyPair ed448 = new OctetKeyPair.Builder(Curve.Ed448, com.nimbusds.jose.util.Base64URL.encode(new byte[57])).build();
        assertEquals(ed448.computeThumbprint().toString(), Thumbprints.jkt(JwkChecks.publicKey(ed448.toJSONObject(), "EdDSA")));
    }

    /** A key another library decoded (Keycloak's are JDK or BouncyCastle JCA keys) has the thumbprint jose4j gives it. */
    @Test
    void publicKeysOfTheJdkAndBouncyCastleHaveJose4jsThumbprint() throws Exception {
        java.security.Provider bc = new org.bouncycastle.jce.provider.BouncyCastleProvider();
        List<PublicKey> keys = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            for (String curve : List.of("secp256r1", "secp384r1", "secp521r1")) {
                keys.add(generate("EC", null, new ECGenParameterSpec(curve)));
                keys.add(generate("EC", bc, new ECGenParameterSpec(curve)));
            }
            keys.add(generate("Ed25519", null, null));
            keys.add(generate("Ed448", null, null));
        }
        keys.add(generate("RSA", null, null));
        keys.add(generate("RSA", bc, null));
        for (PublicKey key : keys) {
            assertEquals(Thumbprints.jkt(PublicJsonWebKey.Factory.newPublicJwk(key)), Thumbprints.jkt(key), key.toString());
        }
    }

    @Test
    void keysAProofCannotCarryHaveNoThumbprint() throws Exception {
        java.security.Provider bc = new org.bouncycastle.jce.provider.BouncyCastleProvider();
        assertNull(Thumbprints.jkt(generate("EC", bc, new ECGenParameterSpec("secp256k1"))));
        assertNull(Thumbprints.jkt(generate("DSA", null, null)));
        assertNull(Thumbprints.jkt(generate("X25519", null, null)));
    }

    private static PublicKey generate(String algorithm, java.security.Provider provider, ECGenParameterSpec curve)
            throws Exception {
        KeyPairGenerator generator = provider == null ? KeyPairGenerator.getInstance(algorithm)
                : KeyPairGenerator.getInstance(algorithm, provider);
        if (curve != null) {
            generator.initialize(curve);
        }
        return generator.generateKeyPair().getPublic();
    }

    /** Nimbus generates Ed25519 keys only with Tink; the JDK's will do. */
    private static OctetKeyPair ed25519() throws Exception {
        byte[] spki = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
        byte[] x = java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        return new OctetKeyPair.Builder(Curve.Ed25519, com.nimbusds.jose.util.Base64URL.encode(x)).build();
    }

    private static void check(JWK key, String alg) throws Exception {
        Map<String, Object> members = new HashMap<>(key.toPublicJWK().toJSONObject());
        String fast = Thumbprints.jkt(JwkChecks.publicKey(members, alg));
        assertEquals(key.computeThumbprint().toString(), fast, "Nimbus");
        assertEquals(Thumbprints.jkt(PublicJsonWebKey.Factory.newPublicJwk(members)), fast, "jose4j");
    }

    private static String ascii(byte[][] pieces) {
        StringBuilder json = new StringBuilder();
        for (byte[] piece : pieces) {
            json.append(new String(piece, StandardCharsets.US_ASCII));
        }
        return json.toString();
    }
}
