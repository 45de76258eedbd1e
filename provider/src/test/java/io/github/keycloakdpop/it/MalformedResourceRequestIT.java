package io.github.keycloakdpop.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed input of every kind where Keycloak is the protected resource (userinfo, the account API): never a 5xx,
 * always a 4xx with a {@code WWW-Authenticate} challenge; a malformed proof with a good token is always
 * {@code invalid_dpop_proof}.
 */
class MalformedResourceRequestIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI USERINFO = KC.realmUri("protocol/openid-connect/userinfo");
    static final URI ACCOUNT = KC.realmUri("account");
    static final ECKey KEY = Proofs.ecKey();
    static String token;

    static synchronized String token() {
        if (token == null) {
            token = ResourceClient.boundAccessToken(KEY);
        }
        return token;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.keycloakdpop.it.MalformedProofIT#malformed")
    void malformedProofWithAGoodTokenIsInvalidDpopProof(String name, String dpop) {
        Http.Response response = ResourceClient.get(USERINFO, "DPoP " + token(), dpop);

        assertEquals(401, response.status(), name + ": " + response);
        assertTrue(response.header("WWW-Authenticate").startsWith("DPoP error=\"invalid_dpop_proof\""),
                name + ": " + response.headers("WWW-Authenticate"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedAuthorization")
    void malformedAuthorizationAtUserinfoIsAChallengeNeverAServerError(String name, List<String> headers) {
        assertChallenge(name, Http.request("GET", USERINFO, null, headers.toArray(String[]::new)));
        assertChallenge(name, Http.request("POST", USERINFO, Map.of(), headers.toArray(String[]::new)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedAuthorization")
    void malformedAuthorizationAtTheAccountApiIsAChallengeNeverAServerError(String name, List<String> headers) {
        List<String> json = new ArrayList<>(List.of("Accept", "application/json"));
        json.addAll(headers);

        assertChallenge(name, Http.request("GET", ACCOUNT, null, json.toArray(String[]::new)));
    }

    static void assertChallenge(String name, Http.Response response) {
        assertTrue(response.status() == 400 || response.status() == 401, name + ": " + response);
        assertFalse(response.headers("WWW-Authenticate").isEmpty(), name + ": " + response);
    }

    /** Header lines as alternating names and values, with a good bound token where the case needs one. */
    static Stream<Arguments> malformedAuthorization() {
        String good = token();
        String proof = Proofs.proof(KEY, "GET", USERINFO, good);
        String[] parts = good.split("\\.");
        List<Arguments> cases = new ArrayList<>(List.of(
                of("scheme only", "Authorization", "DPoP"),
                of("scheme and a space", "Authorization", "DPoP "),
                of("bearer scheme only", "Authorization", "Bearer"),
                of("two tokens", "Authorization", "DPoP a b"),
                of("comma after the scheme", "Authorization", "DPoP, " + good),
                of("tab instead of space", "Authorization", "DPoP\t" + good),
                of("token with a quote", "Authorization", "DPoP \"" + good + "\""),
                of("equals inside the token", "Authorization", "DPoP abc=def"),
                of("unknown scheme", "Authorization", "Negotiate " + good),
                of("basic credentials", "Authorization", "Basic YWxpY2U6YWxpY2U="),
                of("not a JWT", "Authorization", "DPoP not-a-jwt", "DPoP", proof),
                of("two segments", "Authorization", "DPoP " + parts[0] + "." + parts[1], "DPoP", proof),
                of("five segments", "Authorization", "DPoP a.b.c.d.e", "DPoP", proof),
                of("empty segments", "Authorization", "DPoP ..", "DPoP", proof),
                of("header JSON null", "Authorization", "DPoP " + json("null") + "." + parts[1] + "." + parts[2]),
                of("header without alg", "Authorization", "DPoP " + json("{\"typ\":\"JWT\"}") + "." + parts[1] + "." + parts[2]),
                of("bearer token with header JSON null", "Authorization", "Bearer " + json("null") + "." + parts[1] + "." + parts[2]),
                of("bearer token without alg", "Authorization", "Bearer " + json("{\"typ\":\"JWT\"}") + "." + parts[1] + "." + parts[2]),
                of("bearer garbage", "Authorization", "Bearer not-a-jwt"),
                of("alg none", "Authorization", "DPoP " + json("{\"alg\":\"none\"}") + "." + parts[1] + "."),
                of("alg HS256 without kid", "Authorization", "DPoP " + json("{\"alg\":\"HS256\"}") + "." + parts[1] + "." + parts[2]),
                of("unknown kid", "Authorization", "DPoP " + json("{\"alg\":\"RS256\",\"kid\":\"nope\"}") + "." + parts[1] + "." + parts[2]),
                of("claims not JSON", "Authorization", "DPoP " + parts[0] + "." + json("{{") + "." + parts[2]),
                of("claims with exp a string", "Authorization", "DPoP " + parts[0] + "." + json("{\"exp\":\"soon\"}") + "." + parts[2]),
                of("signature of another token", "Authorization", "DPoP " + parts[0] + "." + json("{\"sub\":\"x\"}") + "." + parts[2]),
                of("huge token", "Authorization", "DPoP " + "A".repeat(6000)),
                of("two Authorization headers", "Authorization", "DPoP " + good, "Authorization", "Bearer " + good, "DPoP", proof),
                of("two DPoP headers", "Authorization", "DPoP " + good, "DPoP", proof, "DPoP", proof),
                of("bound token as bearer with garbage proof", "Authorization", "Bearer " + good, "DPoP", "x.y.z")));
        Random random = new Random(9449);
        for (int i = 0; i < 10; i++) {
            cases.add(of("random token #" + i, "Authorization", "DPoP " + MalformedProofIT.segment(random) + "."
                    + MalformedProofIT.segment(random) + "." + MalformedProofIT.segment(random), "DPoP", proof));
        }
        return cases.stream();
    }

    static Arguments of(String name, String... headers) {
        return Arguments.of(name, List.of(headers));
    }

    static String json(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
