package io.github.keycloakdpop.core;

import static io.github.keycloakdpop.core.Proofs.MARKER;
import static io.github.keycloakdpop.core.Proofs.NOW_S;
import static io.github.keycloakdpop.core.Proofs.P256;
import static io.github.keycloakdpop.core.Proofs.P384;
import static io.github.keycloakdpop.core.Proofs.P521;
import static io.github.keycloakdpop.core.Proofs.RFC_ACCESS_TOKEN;
import static io.github.keycloakdpop.core.Proofs.RFC_ATH;
import static io.github.keycloakdpop.core.Proofs.RSA;
import static io.github.keycloakdpop.core.Proofs.TOKEN_ENDPOINT;
import static io.github.keycloakdpop.core.Proofs.b64;
import static io.github.keycloakdpop.core.Proofs.claims;
import static io.github.keycloakdpop.core.Proofs.es256;
import static io.github.keycloakdpop.core.Proofs.header;
import static io.github.keycloakdpop.core.Proofs.json;
import static io.github.keycloakdpop.core.Proofs.request;
import static io.github.keycloakdpop.core.Proofs.unsigned;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.URI;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;

class DPoPProofVerifierTest {

    /** In-memory single-use store that remembers the ttl it was asked for. */
    static final class RecordingGuard implements ReplayGuard {
        final Map<String, Long> ttls = new HashMap<>();

        @Override
        public boolean firstUse(String key, long ttlSeconds) {
            return ttls.putIfAbsent(key, ttlSeconds) == null;
        }
    }

    /** Shared by every test, so most proofs meet the fast path with a key it has seen before, some with a new one. */
    static final ProofKeyCache KEYS = ProofKeyCache.defaults();

    RecordingGuard guard;
    RecordingGuard referenceGuard;
    /** Every proof in this class goes through both paths, which must agree (see {@link BothPaths}). */
    BothPaths verifier;

    @BeforeEach
    void setUp() {
        guard = new RecordingGuard();
        referenceGuard = new RecordingGuard();
        verifier = verifier(ProofPolicy.defaults());
    }

    BothPaths verifier(ProofPolicy policy) {
        return new BothPaths(policy, Proofs.CLOCK, referenceGuard, guard, KEYS);
    }

    String reject(ProofRequest request) {
        return reject(verifier, request);
    }

    String reject(BothPaths v, ProofRequest request) {
        DPoPProofException e = assertThrows(DPoPProofException.class, () -> v.verify(request));
        assertEquals("invalid_dpop_proof", e.error());
        assertEquals(e.getMessage(), e.description());
        return e.description();
    }

    String reject(String proof) {
        return reject(request(proof));
    }

    /** Hand-crafted ES256 proof with one claim changed; null removes it. */
    String withClaim(String name, Object value) {
        Map<String, Object> claims = claims();
        if (value == null) {
            claims.remove(name);
        } else {
            claims.put(name, value);
        }
        return es256(claims);
    }

    String withHeader(Consumer<Map<String, Object>> change) {
        Map<String, Object> header = header();
        change.accept(header);
        return unsigned(header, claims());
    }

    @SuppressWarnings("unchecked")
    String withJwk(Consumer<Map<String, Object>> change) {
        return withHeader(h -> change.accept((Map<String, Object>) h.get("jwk")));
    }

    @Nested
    class ValidProofs {

        static Stream<Arguments> keys() {
            return Stream.of(
                    Arguments.of(P256, JWSAlgorithm.ES256), Arguments.of(P384, JWSAlgorithm.ES384),
                    Arguments.of(P521, JWSAlgorithm.ES512), Arguments.of(RSA, JWSAlgorithm.RS256),
                    Arguments.of(RSA, JWSAlgorithm.RS384), Arguments.of(RSA, JWSAlgorithm.RS512),
                    Arguments.of(RSA, JWSAlgorithm.PS256), Arguments.of(RSA, JWSAlgorithm.PS384),
                    Arguments.of(RSA, JWSAlgorithm.PS512));
        }

        @ParameterizedTest
        @MethodSource("keys")
        void acceptsNimbusProof(JWK key, JWSAlgorithm alg) throws Exception {
            VerifiedProof proof = verifier.verify(request(Proofs.nimbus(key, alg)));
            assertEquals(key.computeThumbprint().toString(), proof.jkt());
            assertEquals("POST", proof.htm());
            assertEquals(TOKEN_ENDPOINT.toString(), proof.htu());
            assertEquals(NOW_S, proof.iat());
            assertFalse(proof.jti().isEmpty());
            assertNull(proof.nonce());
            assertNull(proof.ath());
        }

        @Test
        void acceptsEd25519() throws Exception {
            String[] proofAndX = Proofs.ed25519(claims());
            VerifiedProof proof = verifier(ProofPolicy.defaults()).verify(request(proofAndX[0]));
            String expected = new OctetKeyPair.Builder(Curve.Ed25519, new Base64URL(proofAndX[1])).build()
                    .computeThumbprint().toString();
            assertEquals(expected, proof.jkt());
        }

        @Test
        void refusesEd25519WhenNotAllowed() throws Exception {
            ProofPolicy ecOnly = ProofPolicy.defaults().withAllowedAlgorithms(Set.of("ES256"));
            assertEquals("DPoP proof alg is not allowed; use one of ES256",
                    reject(verifier(ecOnly), request(Proofs.ed25519(claims())[0])));
        }

        @Test
        void acceptsFractionalIatAndReturnsNonce() throws Exception {
            Map<String, Object> claims = claims();
            claims.put("iat", NOW_S + 0.5);
            claims.put("nonce", "server-nonce");
            VerifiedProof proof = verifier.verify(request(es256(claims)));
            assertEquals(NOW_S, proof.iat());
            assertEquals("server-nonce", proof.nonce());
        }

        @Test
        void acceptsProofWithExpAndNbf() throws Exception {
            Map<String, Object> claims = claims();
            claims.put("exp", NOW_S + 60);
            claims.put("nbf", NOW_S);
            verifier.verify(request(es256(claims)));
        }
    }

    @Nested
    class DPoPHeader {

        @Test
        void missing() {
            assertEquals("DPoP proof is missing", reject(new ProofRequest(null, "POST", TOKEN_ENDPOINT, null, "test")));
            assertEquals("DPoP proof is missing", reject(new ProofRequest(List.of(), "POST", TOKEN_ENDPOINT, null, "test")));
            assertEquals("DPoP proof is missing", reject(" "));
        }

        @Test
        void twoHeaders() {
            String proof = Proofs.nimbus(P256, JWSAlgorithm.ES256);
            assertEquals("Exactly one DPoP header is allowed",
                    reject(new ProofRequest(List.of(proof, proof), "POST", TOKEN_ENDPOINT, null, "test")));
        }

        @Test
        void oversizeIsRefusedBeforeDecoding() {
            assertEquals("DPoP proof is larger than 8192 bytes", reject("!".repeat(8193)));
            String proof = Proofs.nimbus(RSA, JWSAlgorithm.RS256);
            ProofPolicy small = new ProofPolicy(Set.of("RS256"), Duration.ofSeconds(10), Duration.ofSeconds(10), proof.length() - 1, 256);
            assertEquals("DPoP proof is larger than " + (proof.length() - 1) + " bytes", reject(verifier(small), request(proof)));
        }

        @ParameterizedTest
        @ValueSource(strings = {"abc", "a.b", "a.b.c.d", "eyJh.eyJh.", ".eyJh.c2ln", "eyJh..c2ln", "eyJh=.eyJh.c2ln",
                "eyJ+.eyJh.c2ln", "eyJh.eyJh.c2l/", "eyJh.eyJh.c2lnb", "eyJh. eyJh.c2ln"})
        void notACompactJws(String proof) {
            assertEquals("DPoP proof is not a compact JWS", reject(proof));
        }
    }

    @Nested
    class JoseHeader {

        @ParameterizedTest
        @ValueSource(strings = {"not json", "[1]", "\"dpop+jwt\"", "{\"typ\":\"dpop+jwt\",\"typ\":\"dpop+jwt\"}"})
        void headerNotJsonObject(String header) {
            assertEquals("DPoP proof header is not valid JSON", reject(b64(header) + "." + b64(json(claims())) + ".c2ln"));
        }

        @Test
        void headerNotUtf8() {
            byte[] latin1 = "{\"typ\":\"dpop+jwt\u00E9\"}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            assertEquals("DPoP proof header is not valid JSON", reject(b64(latin1) + "." + b64(json(claims())) + ".c2ln"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"JWT", "DPOP+JWT", "application/dpop+jwt", ""})
        void wrongTyp(String typ) {
            assertEquals("DPoP proof typ must be dpop+jwt", reject(withHeader(h -> h.put("typ", typ))));
        }

        @Test
        void missingTyp() {
            assertEquals("DPoP proof typ must be dpop+jwt", reject(withHeader(h -> h.remove("typ"))));
        }

        @Test
        void missingAlg() {
            assertEquals("DPoP proof is missing alg", reject(withHeader(h -> h.remove("alg"))));
        }

        @ParameterizedTest
        @ValueSource(strings = {"none", "HS256", "HS512", "ES256K", "es256"})
        void algNeverAllowed(String alg) {
            assertEquals("DPoP proof alg is not allowed; use one of ES256, ES384, ES512, EdDSA, PS256, PS384, PS512, RS256, RS384, RS512",
                    reject(withHeader(h -> h.put("alg", alg))));
        }

        @Test
        void algNotAllowedByPolicy() {
            BothPaths esOnly = verifier(ProofPolicy.defaults().withAllowedAlgorithms(Set.of("ES256")));
            assertEquals("DPoP proof alg is not allowed; use one of ES256",
                    reject(esOnly, request(Proofs.nimbus(RSA, JWSAlgorithm.RS256))));
        }

        @Test
        void critPresent() {
            assertEquals("DPoP proof uses unsupported critical header parameters",
                    reject(withHeader(h -> h.put("crit", List.of("exp")))));
        }

        @ParameterizedTest
        @ValueSource(strings = {"jku", "x5u", "x5c"})
        void keyReferencesRefused(String name) {
            assertEquals("DPoP proof must carry its key only in jwk (jku, x5u and x5c are not accepted)",
                    reject(withHeader(h -> h.put(name, name.equals("x5c") ? List.of("MIIB") : "https://example.com/k"))));
        }

        @Test
        void noJwk() {
            assertEquals("DPoP proof header has no jwk", reject(withHeader(h -> h.remove("jwk"))));
        }

        @Test
        void jwkNotAnObject() {
            assertEquals("DPoP proof jwk is not a JSON object", reject(withHeader(h -> h.put("jwk", "key"))));
        }
    }

    @Nested
    class Jwk {

        @ParameterizedTest
        @ValueSource(strings = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
        void privateMembers(String member) {
            assertEquals("DPoP proof jwk must be a public key", reject(withJwk(j -> j.put(member, "AQAB"))));
        }

        @Test
        void fullPrivateEcKey() {
            Map<String, Object> header = header();
            header.put("jwk", P256.toJSONObject());
            assertEquals("DPoP proof jwk must be a public key", reject(unsigned(header, claims())));
        }

        @Test
        void ktyDoesNotMatchAlg() {
            assertEquals("DPoP proof jwk must have kty EC for alg ES256", reject(unsigned(header("ES256", RSA), claims())));
            assertEquals("DPoP proof jwk must have kty RSA for alg PS256", reject(unsigned(header("PS256", P256), claims())));
        }

        @Test
        void es256WithP384Key() {
            assertEquals("DPoP proof jwk must use curve P-256 for alg ES256", reject(unsigned(header("ES256", P384), claims())));
        }

        @Test
        void rsa1024() throws Exception {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(1024);
            RSAKey weak = new RSAKey.Builder((RSAPublicKey) generator.generateKeyPair().getPublic()).build();
            assertEquals("DPoP proof jwk RSA modulus must be 2048 to 8192 bits", reject(unsigned(header("RS256", weak), claims())));
        }

        @ParameterizedTest
        @ValueSource(longs = {1, 2, 65536})
        void badRsaExponent(long e) {
            Map<String, Object> header = header("RS256", RSA);
            ((Map<String, Object>) header.get("jwk")).put("e", Base64URL.encode(BigInteger.valueOf(e)).toString());
            assertEquals("DPoP proof jwk RSA exponent must be odd, at least 3 and at most 2^256", reject(unsigned(header, claims())));
        }

        @Test
        @SuppressWarnings("unchecked")
        void rsaModulusWithLeadingZero() {
            Map<String, Object> header = header("RS256", RSA);
            Map<String, Object> jwk = (Map<String, Object>) header.get("jwk");
            byte[] n = RSA.getModulus().decode();
            byte[] padded = new byte[n.length + 1];
            System.arraycopy(n, 0, padded, 1, n.length);
            jwk.put("n", b64(padded));
            assertEquals("DPoP proof jwk n must use the minimum number of octets", reject(unsigned(header, claims())));
        }

        @Test
        void ecPointNotOnCurve() throws Exception {
            BigInteger p = P256.toECPublicKey().getParams().getCurve().getField() instanceof java.security.spec.ECFieldFp f
                    ? f.getP() : null;
            BigInteger y = P256.getY().decodeToBigInteger().add(BigInteger.ONE).mod(p);
            assertEquals("DPoP proof jwk is not a point on P-256", reject(withJwk(j -> j.put("y", b64(fixed(y, 32))))));
        }

        @Test
        void ecCoordinateOutsideField() throws Exception {
            // A point with a small x; x + p then satisfies the curve equation mod p but is not a field element.
            java.security.spec.ECParameterSpec spec = P256.toECPublicKey().getParams();
            BigInteger p = ((java.security.spec.ECFieldFp) spec.getCurve().getField()).getP();
            BigInteger x = BigInteger.ONE;
            BigInteger rhs;
            while (!(rhs = x.pow(3).add(spec.getCurve().getA().multiply(x)).add(spec.getCurve().getB()).mod(p))
                    .modPow(p.shiftRight(1), p).equals(BigInteger.ONE)) {
                x = x.add(BigInteger.ONE);
            }
            BigInteger y = rhs.modPow(p.add(BigInteger.ONE).shiftRight(2), p); // p = 3 mod 4
            BigInteger onCurveX = x;
            assertEquals("DPoP proof signature is invalid",
                    reject(withJwk(j -> { j.put("x", b64(fixed(onCurveX, 32))); j.put("y", b64(fixed(y, 32))); })));
            BigInteger xPlusP = x.add(p);
            assertEquals("DPoP proof jwk is not a point on P-256",
                    reject(withJwk(j -> { j.put("x", b64(fixed(xPlusP, 32))); j.put("y", b64(fixed(y, 32))); })));
        }

        @Test
        void ecCoordinateWrongLength() {
            assertEquals("DPoP proof jwk coordinates must be 32 octets for P-256",
                    reject(withJwk(j -> j.put("x", b64(new byte[31])))));
        }

        @Test
        void ecCoordinateNotBase64url() {
            assertEquals("DPoP proof jwk x must be a base64url string", reject(withJwk(j -> j.put("x", "a+b/"))));
            assertEquals("DPoP proof jwk y must be a base64url string", reject(withJwk(j -> j.remove("y"))));
        }

        @Test
        void okpWithWrongCurve() {
            Map<String, Object> header = new HashMap<>(Map.of("typ", "dpop+jwt", "alg", "EdDSA",
                    "jwk", Map.of("kty", "OKP", "crv", "X25519", "x", b64(new byte[32]))));
            assertEquals("DPoP proof jwk must use curve Ed25519 or Ed448 for alg EdDSA",
                    reject(verifier(ProofPolicy.defaults().withAllowedAlgorithms(Set.of("EdDSA"))), request(unsigned(header, claims()))));
        }

        private byte[] fixed(BigInteger value, int length) {
            byte[] raw = value.toByteArray();
            byte[] out = new byte[length];
            int copy = Math.min(raw.length, length);
            System.arraycopy(raw, raw.length - copy, out, length - copy, copy);
            return out;
        }
    }

    @Nested
    class Claims {

        @Test
        void claimsNotAnObject() {
            assertEquals("DPoP proof claims are not a JSON object", reject(b64(json(header())) + "." + b64("[1]") + ".c2ln"));
        }

        @Test
        void jti() {
            assertEquals("DPoP proof is missing jti", reject(withClaim("jti", null)));
            assertEquals("DPoP proof jti must be a non-empty string", reject(withClaim("jti", "")));
            assertEquals("DPoP proof jti must be a non-empty string", reject(withClaim("jti", 42)));
            assertEquals("DPoP proof jti is longer than 256 characters", reject(withClaim("jti", "j".repeat(257))));
        }

        @Test
        void jtiAtMaxLengthIsAccepted() throws Exception {
            verifier.verify(request(withClaim("jti", "j".repeat(256))));
        }

        @ParameterizedTest
        @ValueSource(strings = {"GET", "post", "Post"})
        void htmMismatch(String htm) {
            assertEquals("DPoP proof htm does not match the request method POST", reject(withClaim("htm", htm)));
        }

        @Test
        void htmMissing() {
            assertEquals("DPoP proof is missing htm", reject(withClaim("htm", null)));
        }

        /** What differs is named, and neither URI is quoted: the request URI can carry the caller's Host header. */
        @ParameterizedTest
        @CsvSource({
                "https://server.example.com/realms/other/protocol/openid-connect/token, its path differs",
                "http://server.example.com/realms/test/protocol/openid-connect/token, its scheme differs",
                "https://server.example.com:8443/realms/test/protocol/openid-connect/token, its port differs",
                "https://attacker.example/realms/test/protocol/openid-connect/token, its host differs"})
        void htuMismatch(String htu, String part) {
            assertEquals("DPoP proof htu does not match the request URI: " + part, reject(withClaim("htu", htu)));
        }

        @ParameterizedTest
        @ValueSource(strings = {"https://user@server.example.com/realms/test/protocol/openid-connect/token",
                "/realms/test/protocol/openid-connect/token", "not a uri"})
        void htuNotAnAbsoluteHttpUri(String htu) {
            assertEquals("DPoP proof htu is not an absolute http(s) URI without userinfo", reject(withClaim("htu", htu)));
        }

        @Test
        void htuMissingOrNotAString() {
            assertEquals("DPoP proof is missing htu", reject(withClaim("htu", null)));
            assertEquals("DPoP proof htu is not an absolute http(s) URI without userinfo", reject(withClaim("htu", 1)));
        }

        @Test
        void queryIsIgnoredOnBothSides() throws Exception {
            URI withQuery = URI.create(TOKEN_ENDPOINT + "?a=b");
            verifier.verify(new ProofRequest(List.of(withClaim("htu", TOKEN_ENDPOINT + "?x=y")), "POST", withQuery, null, "test"));
            verifier.verify(new ProofRequest(List.of(Proofs.nimbus(P256, JWSAlgorithm.ES256)), "POST", withQuery, null, "test"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"https://server.example.com:443/realms/test/protocol/openid-connect/token",
                "https://server.example.com/realms/test/protocol/./openid-connect/token",
                "https://server.example.com/realms/%74est/protocol/openid-connect/token"})
        void equivalentHtuNeedsLiteralSpellingUnlessDisabled(String htu) throws Exception {
            String proof = withClaim("htu", htu);
            assertEquals("DPoP proof htu is equivalent to the request URI but not written the same way: send it without an "
                    + "explicit default port, dot segments or percent-encoded unreserved characters", reject(proof));
            VerifiedProof verified = verifier(ProofPolicy.defaults().withLiteralHtu(false)).verify(request(proof));
            assertEquals(htu, verified.htu());
        }

        /** RFC 9449 §4.3 item 9 ignores query and fragment; Keycloak 26.7's own comparison drops both too. */
        @Test
        void queryAndFragmentAreIgnoredUnderLiteralHtu() throws Exception {
            assertEquals(TOKEN_ENDPOINT + "?a=b#f", verifier.verify(request(withClaim("htu", TOKEN_ENDPOINT + "?a=b#f"))).htu());
            verifier.verify(request(withClaim("htu", TOKEN_ENDPOINT + "#f")));
        }

        /** Keycloak before 26.7 keeps the fragment when it compares, so it would refuse afterwards: refused first. */
        @Test
        void htuFragmentRefusedWhereTheLiteralComparisonKeepsIt() {
            BothPaths keeping = verifier(ProofPolicy.defaults().withLiteralHtuKeepingFragment(true));
            assertTrue(reject(keeping, request(withClaim("htu", TOKEN_ENDPOINT + "#f")))
                    .startsWith("DPoP proof htu is equivalent to"));
            assertTrue(reject(keeping, request(withClaim("htu", TOKEN_ENDPOINT + "?a=b#f")))
                    .startsWith("DPoP proof htu is equivalent to"));
        }

        @Test
        void hostCaseIsFineEvenUnderLiteralHtu() throws Exception {
            verifier.verify(request(withClaim("htu", "HTTPS://SERVER.example.com/realms/test/protocol/openid-connect/token")));
        }

        @Test
        void iatWindowBoundaries() throws Exception {
            verifier.verify(request(withClaim("iat", NOW_S - 20)));
            verifier.verify(request(withClaim("iat", NOW_S + 10)));
            assertEquals("DPoP proof is too old (iat must be within 10 s, plus 10 s clock skew)", reject(withClaim("iat", NOW_S - 21)));
            assertEquals("DPoP proof iat is in the future (clock skew allowed: 10 s)", reject(withClaim("iat", NOW_S + 11)));
            assertEquals("DPoP proof iat is in the future (clock skew allowed: 10 s)", reject(withClaim("iat", NOW_S + 10.001)));
            assertEquals("DPoP proof is too old (iat must be within 10 s, plus 10 s clock skew)", reject(withClaim("iat", NOW_S - 20.5)));
        }

        @Test
        void iatNotANumber() {
            assertEquals("DPoP proof iat must be a number (NumericDate)", reject(withClaim("iat", String.valueOf(NOW_S))));
            assertEquals("DPoP proof iat must be a number (NumericDate)", reject(withClaim("iat", true)));
            assertEquals("DPoP proof is missing iat", reject(withClaim("iat", null)));
        }

        @Test
        void iatNotFinite() {
            String proof = es256(claims()).split("\\.")[0] + "." + b64("{\"jti\":\"a\",\"htm\":\"POST\",\"htu\":\""
                    + TOKEN_ENDPOINT + "\",\"iat\":1e999}") + ".c2ln";
            assertEquals("DPoP proof iat must be a number (NumericDate)", reject(proof));
        }

        @Test
        void hugeIatIsInTheFuture() {
            String proof = b64(json(header())) + "." + b64("{\"jti\":\"a\",\"htm\":\"POST\",\"htu\":\""
                    + TOKEN_ENDPOINT + "\",\"iat\":99999999999999999999999999}") + ".c2ln";
            assertEquals("DPoP proof iat is in the future (clock skew allowed: 10 s)", reject(proof));
        }

        @Test
        void exp() throws Exception {
            assertEquals("DPoP proof has expired (exp)", reject(withClaim("exp", NOW_S - 11)));
            assertEquals("DPoP proof exp must be a number (NumericDate)", reject(withClaim("exp", "soon")));
            verifier.verify(request(withClaim("exp", NOW_S - 10)));
        }

        @Test
        void nbf() throws Exception {
            assertEquals("DPoP proof is not valid yet (nbf)", reject(withClaim("nbf", NOW_S + 11)));
            assertEquals("DPoP proof nbf must be a number (NumericDate)", reject(withClaim("nbf", List.of())));
            verifier.verify(request(withClaim("nbf", NOW_S + 10)));
        }

        @Test
        void athMatchesRfcExample() throws Exception {
            String proof = Proofs.nimbus(P256, JWSAlgorithm.ES256, "POST", TOKEN_ENDPOINT, Proofs.NOW, RFC_ACCESS_TOKEN);
            VerifiedProof verified = verifier.verify(new ProofRequest(List.of(proof), "POST", TOKEN_ENDPOINT, RFC_ACCESS_TOKEN, "test"));
            assertEquals(RFC_ATH, verified.ath());
        }

        @Test
        void athMissing() {
            assertEquals("DPoP proof is missing ath",
                    reject(new ProofRequest(List.of(es256(claims())), "POST", TOKEN_ENDPOINT, RFC_ACCESS_TOKEN, "test")));
        }

        @Test
        void athMismatch() {
            String proof = Proofs.nimbus(P256, JWSAlgorithm.ES256, "POST", TOKEN_ENDPOINT, Proofs.NOW, RFC_ACCESS_TOKEN);
            assertEquals("DPoP proof ath does not match the access token",
                    reject(new ProofRequest(List.of(proof), "POST", TOKEN_ENDPOINT, RFC_ACCESS_TOKEN + "x", "test")));
            assertEquals("DPoP proof ath does not match the access token",
                    reject(new ProofRequest(List.of(withClaim("ath", 7)), "POST", TOKEN_ENDPOINT, RFC_ACCESS_TOKEN, "test")));
        }

        @Test
        void athIgnoredWithoutAccessToken() throws Exception {
            assertNull(verifier.verify(request(withClaim("ath", "anything"))).ath());
        }

        @Test
        void nonceMustBeAString() {
            assertEquals("DPoP proof nonce must be a string", reject(withClaim("nonce", 5)));
        }
    }

    @Nested
    class SignatureAndReplay {

        @Test
        void tamperedPayload() {
            String[] parts = Proofs.nimbus(P256, JWSAlgorithm.ES256).split("\\.");
            String tampered = parts[0] + "." + b64(json(claims())) + "." + parts[2];
            assertEquals("DPoP proof signature is invalid", reject(tampered));
        }

        @Test
        void signedWithAnotherKey() {
            Map<String, Object> header = header("ES256", Proofs.P256);
            String proof = Proofs.sign(json(header), json(claims()), Proofs.signer(otherP256()), JWSAlgorithm.ES256);
            assertEquals("DPoP proof signature is invalid", reject(proof));
        }

        @Test
        void garbageSignature() {
            assertEquals("DPoP proof signature is invalid", reject(unsigned(header(), claims())));
        }

        /** RFC 7518 §3.4: R and S of the curve's size each; jose4j alone also takes shorter ones, both paths do not. */
        @ParameterizedTest
        @ValueSource(ints = {-2, -1, 1, 2})
        void ecdsaSignatureOfAnotherLength(int change) {
            String[] parts = Proofs.nimbus(P256, JWSAlgorithm.ES256).split("\\.");
            byte[] signature = java.util.Base64.getUrlDecoder().decode(parts[2]);
            String resized = parts[0] + "." + parts[1] + "." + b64(Arrays.copyOf(signature, signature.length + change));
            assertEquals("DPoP proof signature is invalid", reject(resized));
        }

        /**
         * ECDSA signatures are malleable: (r, n - s) is as valid as (r, s). jose4j and the JDK accept both, so both
         * paths do; replay protection keys on jti, never on signature bytes, so the second form is still a replay.
         */
        @Test
        void highAndLowSAreBothAccepted() throws Exception {
            String[] parts = Proofs.nimbus(P256, JWSAlgorithm.ES256).split("\\.");
            byte[] signature = java.util.Base64.getUrlDecoder().decode(parts[2]);
            BigInteger n = P256.getCurve().toECParameterSpec().getOrder();
            BigInteger otherS = n.subtract(new BigInteger(1, Arrays.copyOfRange(signature, 32, 64)));
            byte[] flipped = signature.clone();
            byte[] s = otherS.toByteArray();
            Arrays.fill(flipped, 32, 64, (byte) 0);
            int copy = Math.min(s.length, 32);
            System.arraycopy(s, s.length - copy, flipped, 64 - copy, copy);
            String malleated = parts[0] + "." + parts[1] + "." + b64(flipped);
            verifier.verify(request(malleated));
            assertEquals("DPoP proof has already been used (jti replay)", reject(parts[0] + "." + parts[1] + "." + parts[2]));
        }

        @Test
        void replayIsRefused() throws Exception {
            String proof = Proofs.nimbus(P256, JWSAlgorithm.ES256);
            verifier.verify(request(proof));
            assertEquals("DPoP proof has already been used (jti replay)", reject(proof));
        }

        @Test
        void sameJtiAtAnotherUriIsAnotherKey() throws Exception {
            Map<String, Object> claims = claims();
            verifier.verify(request(es256(claims)));
            URI other = URI.create("https://server.example.com/realms/test/protocol/openid-connect/userinfo");
            claims.put("htu", other.toString());
            verifier.verify(new ProofRequest(List.of(es256(claims)), "POST", other, null, "test"));
            assertEquals(2, guard.ttls.size());
        }

        @Test
        void replayKeyIsScopedAndHashed() throws Exception {
            Map<String, Object> claims = claims();
            claims.put("jti", MARKER);
            verifier.verify(new ProofRequest(List.of(es256(claims)), "POST", URI.create(TOKEN_ENDPOINT + "?q=1"), null, "realm-a"));
            String key = guard.ttls.keySet().iterator().next();
            assertEquals("dpop-jti:realm-a:" + TOKEN_ENDPOINT + ":" + Proofs.b64(sha256(MARKER)), key);
        }

        @Test
        void ttlCoversTheAcceptanceWindow() throws Exception {
            assertEquals(21L, ttlFor(NOW_S));        // accepted until iat + 10 + 10, plus one second of margin
            assertEquals(6L, ttlFor(NOW_S - 15));
            assertEquals(1L, ttlFor(NOW_S - 20));
            assertEquals(31L, ttlFor(NOW_S + 10));
            assertEquals(22L, ttlFor(NOW_S + 0.2)); // ceil(20.2) + 1
        }

        @Test
        void replayStoreUntouchedWhenProofFails() {
            reject(unsigned(header(), claims()));
            reject(withClaim("htm", "GET"));
            assertTrue(guard.ttls.isEmpty());
        }

        @Test
        void runtimeFailureBecomesInvalidProof() {
            ReplayGuard down = (key, ttl) -> {
                throw new IllegalStateException("store down");
            };
            BothPaths broken = new BothPaths(ProofPolicy.defaults(), Proofs.CLOCK, down, down, KEYS);
            assertEquals("DPoP proof is malformed", reject(broken, request(Proofs.nimbus(P256, JWSAlgorithm.ES256))));
        }

        @Test
        void callerThatRecordsUseItselfGetsTheSameProofAcceptedTwice() throws Exception {
            BothPaths callerRecords = new BothPaths(ProofPolicy.defaults(), Proofs.CLOCK, ReplayGuard.RECORDED_BY_CALLER,
                    ReplayGuard.RECORDED_BY_CALLER, KEYS);
            String proof = Proofs.nimbus(P256, JWSAlgorithm.ES256);
            VerifiedProof first = callerRecords.verify(request(proof));
            assertEquals(first, callerRecords.verify(request(proof)));
            assertEquals("DPoP proof signature is invalid",
                    reject(callerRecords, request(proof.substring(0, proof.length() - 4) + "AAAA")));
        }

        private long ttlFor(Number iat) throws Exception {
            guard.ttls.clear();
            verifier.verify(request(withClaim("iat", iat)));
            return guard.ttls.values().iterator().next();
        }

        private com.nimbusds.jose.jwk.ECKey otherP256() {
            try {
                return new com.nimbusds.jose.jwk.gen.ECKeyGenerator(Curve.P_256).generate();
            } catch (com.nimbusds.jose.JOSEException e) {
                throw new AssertionError(e);
            }
        }

        private byte[] sha256(String s) throws Exception {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Nested
    class NoAttackerBytesInDescriptions {

        @Test
        void markersNeverEchoed() throws Exception {
            List<String> proofs = new ArrayList<>(Arrays.asList(
                    withClaim("htu", "https://" + MARKER + ".example.com/token"),
                    withClaim("htu", TOKEN_ENDPOINT + "/" + MARKER),
                    withClaim("htu", MARKER),
                    withClaim("jti", MARKER.repeat(20)),
                    withClaim("htm", MARKER),
                    withClaim("iat", MARKER),
                    withClaim("exp", MARKER),
                    withClaim("nonce", Map.of(MARKER, MARKER)),
                    withHeader(h -> h.put("alg", MARKER)),
                    withHeader(h -> h.put("typ", MARKER)),
                    withHeader(h -> h.put("jku", MARKER)),
                    withHeader(h -> h.put("crit", List.of(MARKER))),
                    withHeader(h -> h.put("jwk", MARKER)),
                    withJwk(j -> j.put("kty", MARKER)),
                    withJwk(j -> j.put("crv", MARKER)),
                    withJwk(j -> j.put("x", MARKER)),
                    b64("{\"" + MARKER + "\"") + "." + b64(json(claims())) + ".c2ln",
                    b64(json(header())) + "." + b64(MARKER) + ".c2ln",
                    MARKER + "." + MARKER + "." + MARKER,
                    MARKER + "!"));
            for (String proof : proofs) {
                String description = reject(proof);
                assertFalse(description.contains(MARKER), description);
                assertFalse(description.contains(MARKER.toLowerCase()), description);
            }
            String description = reject(new ProofRequest(List.of(withClaim("ath", MARKER)), "POST", TOKEN_ENDPOINT, RFC_ACCESS_TOKEN, "test"));
            assertFalse(description.contains(MARKER), description);
        }
    }
}
