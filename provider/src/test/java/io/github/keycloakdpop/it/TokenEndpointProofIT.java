package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Refusals.assertInvalidProof;
import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import java.net.URI;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 9449 §4.3 at the token and PAR endpoints, seen as a client sees it: every bad proof is answered
 * {@code 400 invalid_dpop_proof} with a description (plain Keycloak answers {@code invalid_request}), and a good one
 * gets a token bound to its key.
 */
class TokenEndpointProofIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final ECKey KEY = Proofs.ecKey();

    static Http.Response clientCredentials(List<String> dpop) {
        return Http.postForm(TOKEN, form("grant_type", "client_credentials"), basic("service", "service-secret"), dpop);
    }

    /**
     * client_credentials for {@code client} (secret: its id + "-secret"). {@code service} is flagged "DPoP bound access
     * tokens", so Keycloak checks its proofs again after the plugin; {@code legacy} is not, so the gate hands its
     * proofs over to Keycloak instead (ProofHandOff) and records their single use for it.
     */
    static Http.Response clientCredentials(String client, List<String> dpop) {
        return Http.postForm(TOKEN, form("grant_type", "client_credentials"), basic(client, client + "-secret"), dpop);
    }


    @ParameterizedTest(name = "{0}")
    @MethodSource("keysAndAlgorithms")
    void validProofGetsABoundToken(JWSAlgorithm alg, JWK key) {
        Http.Response response = clientCredentials(List.of(Proofs.proof(key, alg, "POST", TOKEN)));

        assertEquals(200, response.status(), response.toString());
        assertEquals("DPoP", response.string("token_type"));
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(response.string("access_token")));
    }

    static Stream<Arguments> keysAndAlgorithms() {
        RSAKey rsa = Proofs.rsaKey(2048);
        return Stream.of(
                Arguments.of(JWSAlgorithm.ES256, KEY),
                Arguments.of(JWSAlgorithm.ES384, Proofs.ecKey(Curve.P_384)),
                Arguments.of(JWSAlgorithm.ES512, Proofs.ecKey(Curve.P_521)),
                Arguments.of(JWSAlgorithm.RS256, rsa),
                Arguments.of(JWSAlgorithm.PS256, rsa));
    }

    @Test
    void ed25519ProofGetsABoundToken() {
        Proofs.Ed25519 ed = Proofs.Ed25519.generate();

        Http.Response response = clientCredentials(List.of(ed.proof("POST", TOKEN)));

        assertEquals(200, response.status(), response.toString());
        assertEquals("DPoP", response.string("token_type"));
        assertEquals(Proofs.jkt(ed.publicJwk()), Tokens.cnfJkt(response.string("access_token")));
    }

    @Test
    void htuWithUpperCaseSchemeAndHostIsTheSameEndpoint() {
        URI upper = URI.create(TOKEN.toString().replace("http://localhost", "HTTP://LOCALHOST"));

        Http.Response response = clientCredentials(List.of(Proofs.proof(KEY, JWSAlgorithm.ES256, "POST", upper)));

        assertEquals(200, response.status(), response.toString());
        assertEquals(Proofs.jkt(KEY), Tokens.cnfJkt(response.string("access_token")));
    }

    @Test
    void htuWithAQueryIsComparedWithoutIt() {
        // Nimbus refuses to put a query in htu; RFC 9449 §4.3 says to ignore it, so the proof is made by hand.
        String proof = Proofs.crafted(KEY, "POST", TOKEN, c -> c.claim("htu", TOKEN + "?foo=bar"));

        Http.Response response = clientCredentials(List.of(proof));

        assertEquals(200, response.status(), response.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"service", "legacy"})
    void proofWithAnUnpairedSurrogateIsRefused(String client) throws JOSEException {
        // RFC 8259 §8.2: "\ud800" alone decodes to no character. Keycloak 26.4 and 26.5 accept such a proof by
        // themselves, 26.7 refuses it; with the plugin every release refuses it with invalid_dpop_proof.
        String header = com.nimbusds.jose.util.Base64URL.encode(com.nimbusds.jose.util.JSONObjectUtils.toJSONString(
                Proofs.header(KEY.toPublicJWK(), "ES256"))).toString();
        String claims = "{\"jti\":\"\\ud800" + java.util.UUID.randomUUID() + "\",\"htm\":\"POST\",\"htu\":\"" + TOKEN
                + "\",\"iat\":" + System.currentTimeMillis() / 1000 + "}";
        String input = header + "." + com.nimbusds.jose.util.Base64URL.encode(claims);
        String proof = input + "." + new ECDSASigner(KEY).sign(new com.nimbusds.jose.JWSHeader(JWSAlgorithm.ES256),
                input.getBytes(java.nio.charset.StandardCharsets.US_ASCII));

        assertInvalidProof(clientCredentials(client, List.of(proof)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"service", "legacy"})
    void keyMemberWithUnusedBitsSetIsRefused(String client) throws JOSEException {
        // One P-256 key, two spellings of x: the last of its 43 characters carries 2 unused bits. Keycloak hashes the
        // string as sent, the plugin the octets: two cnf.jkt for one key unless the second spelling is refused.
        Map<String, Object> jwk = new java.util.LinkedHashMap<>(KEY.toPublicJWK().toJSONObject());
        String x = (String) jwk.get("x");
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        jwk.put("x", x.substring(0, 42) + alphabet.charAt(alphabet.indexOf(x.charAt(42)) | 1));
        Map<String, Object> header = Proofs.header(KEY.toPublicJWK(), "ES256");
        header.put("jwk", jwk);

        Http.Response response = clientCredentials(client, List.of(Proofs.raw(header, Proofs.claims("POST", TOKEN),
                new ECDSASigner(KEY), JWSAlgorithm.ES256)));

        assertInvalidProof(response);
        assertEquals("DPoP proof jwk x must be canonical base64url (unused bits set in its last character)",
                response.string("error_description"), response.toString());
    }

    @Test
    void descriptionsQuoteNoRequestBytes() {
        // Keycloak in development mode builds its URLs from the Host header: a description naming the request URL
        // would hand the caller's bytes back.
        // (java.net.http will not send another Host header: a raw HTTP/1.1 request)
        String body = "grant_type=client_credentials";
        String request = "POST " + TOKEN.getRawPath() + " HTTP/1.1\r\nHost: attacker.example\r\n"
                + "Authorization: " + basic("service", "service-secret") + "\r\nDPoP: " + Proofs.proof(KEY, "POST", TOKEN)
                + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body;
        String response;
        try (java.net.Socket socket = new java.net.Socket(TOKEN.getHost(), TOKEN.getPort())) {
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }

        assertTrue(response.startsWith("HTTP/1.1 400"), response);
        assertTrue(response.contains("\"DPoP proof htu does not match the request URI: its host differs\""), response);
        assertTrue(!response.contains("attacker.example"), response);
    }

    @Test
    void htuEquivalentButWrittenDifferentlyIsRefusedWithTheFormToSend() {
        // RFC 3986 normalization makes %74 the same as "t", but Keycloak's built-in re-check compares with
        // URI.equals and would refuse it afterwards; the plugin refuses first and says what to send.
        URI encoded = URI.create(TOKEN.toString().replace("/token", "/%74oken"));

        Http.Response response = clientCredentials(List.of(Proofs.proof(KEY, JWSAlgorithm.ES256, "POST", encoded)));

        assertInvalidProof(response);
        assertEquals("DPoP proof htu is equivalent to the request URI but not written the same way: send it without an "
                + "explicit default port, dot segments or percent-encoded unreserved characters",
                response.string("error_description"), response.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"service", "legacy"})
    void replayedProofIsRefused(String client) {
        String proof = Proofs.proof(KEY, "POST", TOKEN);
        assertEquals(200, clientCredentials(client, List.of(proof)).status());

        Http.Response replay = clientCredentials(client, List.of(proof));

        assertInvalidProof(replay);
        assertTrue(replay.string("error_description").contains("already been used"), replay.toString());
    }

    /**
     * The gate finds the single-use entry of the first request (Keycloak's own, or the one made for Keycloak when the
     * proof was handed over) and refuses the replay itself, before client authentication: with a wrong client secret
     * too, the answer is about the proof.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"service", "legacy"})
    void replayIsRefusedBeforeClientAuthentication(String client) {
        String proof = Proofs.proof(KEY, "POST", TOKEN);
        assertEquals(200, clientCredentials(client, List.of(proof)).status());

        Http.Response replay = Http.postForm(TOKEN, form("grant_type", "client_credentials"),
                basic(client, "wrong-secret"), List.of(proof));

        assertInvalidProof(replay);
        assertTrue(replay.string("error_description").contains("already been used"), replay.toString());
    }

    /**
     * Two requests with one proof at the same moment: both pass the gate, the single-use insert after client
     * authentication (Keycloak's own, or the plugin's for a proof handed over) serves one, and the other gets the
     * plugin's replay answer, not Keycloak's {@code invalid_request}.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"service", "legacy"})
    void proofSentTwiceAtTheSameMomentIsServedOnce(String client) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 30; i++) {
                String proof = Proofs.proof(KEY, "POST", TOKEN);
                CyclicBarrier start = new CyclicBarrier(2);
                Callable<Http.Response> send = () -> {
                    start.await();
                    return clientCredentials(client, List.of(proof));
                };
                Future<Http.Response> first = pool.submit(send);
                Future<Http.Response> second = pool.submit(send);
                List<Http.Response> both = List.of(first.get(), second.get());
                assertEquals(1, both.stream().filter(r -> r.status() == 200).count(), both.toString());
                Http.Response refused = both.get(0).status() == 200 ? both.get(1) : both.get(0);
                assertInvalidProof(refused);
                assertEquals("DPoP proof has already been used (jti replay)", refused.string("error_description"));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A proof counts as used once Keycloak accepted it (RFC 9449 §11.1), as in Keycloak itself: one sent with a
     * request that failed client authentication was never accepted, and the client may still send it.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"service", "legacy"})
    void proofOfARequestRefusedAtClientAuthenticationIsNotUsedUp(String client) {
        String proof = Proofs.proof(KEY, "POST", TOKEN);
        Http.Response unauthenticated = Http.postForm(TOKEN, form("grant_type", "client_credentials"),
                basic(client, "wrong-secret"), List.of(proof));
        assertEquals(401, unauthenticated.status(), unauthenticated.toString());

        Http.Response response = clientCredentials(client, List.of(proof));

        assertEquals(200, response.status(), response.toString());
        assertEquals(Proofs.jkt(KEY), Tokens.cnfJkt(response.string("access_token")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badProofs")
    void badProofIsInvalidDpopProof(String name, Function<URI, List<String>> dpop) {
        assertInvalidProof(clientCredentials(dpop.apply(TOKEN)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badProofs")
    void badProofAtParIsInvalidDpopProof(String name, Function<URI, List<String>> dpop) {
        URI par = KC.realmUri("protocol/openid-connect/ext/par/request");
        Map<String, String> request = new CodeFlow().authorizationRequest("spa");

        Http.Response response = Http.postForm(par, request, null, dpop.apply(par));

        assertInvalidProof(response);
        assertNull(response.json().get("request_uri"));
    }

    static Stream<Arguments> badProofs() {
        long now = System.currentTimeMillis() / 1000;
        return Stream.of(
                bad("two DPoP headers", u -> List.of(Proofs.proof(KEY, "POST", u), Proofs.proof(KEY, "POST", u))),
                bad("empty header", u -> List.of("")),
                bad("oversized header", u -> List.of(Proofs.proof(KEY, "POST", u) + "A".repeat(20_000))),
                bad("not a JWS", u -> List.of("not-a-jwt")),
                bad("typ is JWT", u -> List.of(Proofs.crafted(KEY, JWSAlgorithm.ES256, "POST", u,
                        h -> h.type(JOSEObjectType.JWT), c -> { }))),
                bad("alg none", u -> {
                    Map<String, Object> header = Proofs.header(KEY.toPublicJWK(), "none");
                    return List.of(Proofs.raw(header, Proofs.claims("POST", u), null, null));
                }),
                bad("alg HS256", u -> {
                    Map<String, Object> header = Proofs.header(KEY.toPublicJWK(), "HS256");
                    return List.of(Proofs.raw(header, Proofs.claims("POST", u), mac(), JWSAlgorithm.HS256));
                }),
                bad("private key in jwk", u -> {
                    Map<String, Object> header = Proofs.header(KEY, "ES256");
                    return List.of(Proofs.raw(header, Proofs.claims("POST", u), ec(KEY), JWSAlgorithm.ES256));
                }),
                bad("no jwk", u -> {
                    Map<String, Object> header = Proofs.header(KEY.toPublicJWK(), "ES256");
                    header.remove("jwk");
                    return List.of(Proofs.raw(header, Proofs.claims("POST", u), ec(KEY), JWSAlgorithm.ES256));
                }),
                bad("ES256 with a P-384 key", u -> {
                    ECKey p384 = Proofs.ecKey(Curve.P_384);
                    Map<String, Object> header = Proofs.header(p384.toPublicJWK(), "ES256");
                    return List.of(Proofs.raw(header, Proofs.claims("POST", u), ec(p384), JWSAlgorithm.ES384));
                }),
                bad("RSA key of 1024 bits", u -> {
                    RSAKey weak = weakRsa();
                    Map<String, Object> header = Proofs.header(weak.toPublicJWK(), "RS256");
                    return List.of(Proofs.raw(header, Proofs.claims("POST", u), rsaWeakSigner(weak), JWSAlgorithm.RS256));
                }),
                bad("crit header", u -> List.of(Proofs.crafted(KEY, JWSAlgorithm.ES256, "POST", u,
                        h -> h.criticalParams(Set.of("exp")), c -> c.expirationTime(new Date(System.currentTimeMillis() + 60_000))))),
                bad("signature of another payload", u -> {
                    String[] a = Proofs.proof(KEY, "POST", u).split("\\.");
                    String[] b = Proofs.proof(KEY, "POST", u).split("\\.");
                    return List.of(a[0] + "." + b[1] + "." + a[2]);
                }),
                bad("signed by another key", u -> {
                    Map<String, Object> header = Proofs.header(KEY.toPublicJWK(), "ES256");
                    return List.of(Proofs.raw(header, Proofs.claims("POST", u), ec(Proofs.ecKey()), JWSAlgorithm.ES256));
                }),
                bad("no jti", u -> List.of(Proofs.crafted(KEY, "POST", u, c -> c.jwtID(null)))),
                bad("htm GET", u -> List.of(Proofs.proof(KEY, "GET", u))),
                bad("htm post (lower case)", u -> List.of(Proofs.crafted(KEY, "post", u, c -> { }))),
                bad("htu of another endpoint", u -> List.of(Proofs.proof(KEY, "POST", KC.realmUri("protocol/openid-connect/userinfo")))),
                bad("htu of another realm", u -> List.of(Proofs.proof(KEY, "POST", KC.baseUri.resolve("/realms/master/protocol/openid-connect/token")))),
                bad("iat 5 minutes ago", u -> List.of(Proofs.crafted(KEY, "POST", u, c -> c.issueTime(new Date((now - 300) * 1000))))),
                bad("iat 5 minutes ahead", u -> List.of(Proofs.crafted(KEY, "POST", u, c -> c.issueTime(new Date((now + 300) * 1000))))),
                bad("iat a string", u -> List.of(Proofs.crafted(KEY, "POST", u, c -> c.claim("iat", String.valueOf(now))))),
                bad("no iat", u -> List.of(Proofs.crafted(KEY, "POST", u, c -> c.issueTime(null)))),
                bad("exp passed", u -> List.of(Proofs.crafted(KEY, "POST", u, c -> c.expirationTime(new Date((now - 120) * 1000))))));
    }

    static Arguments bad(String name, Function<URI, List<String>> dpop) {
        return Arguments.of(name, dpop);
    }

    static MACSigner mac() {
        try {
            return new MACSigner("0123456789abcdef0123456789abcdef".getBytes());
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static ECDSASigner ec(ECKey key) {
        try {
            return new ECDSASigner(key);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static RSAKey weakRsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(1024);
            var pair = generator.generateKeyPair();
            return new RSAKey.Builder((RSAPublicKey) pair.getPublic()).privateKey((RSAPrivateKey) pair.getPrivate()).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static RSASSASigner rsaWeakSigner(RSAKey key) {
        try {
            return new RSASSASigner(key.toPrivateKey(), true);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
