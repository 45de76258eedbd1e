package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed input of every kind at the token and PAR endpoints: always a 400 {@code invalid_dpop_proof}, never a
 * 5xx and never a token. Plain Keycloak answers most of these with {@code invalid_request}, and some with a token.
 */
class MalformedProofIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final URI PAR = KC.realmUri("protocol/openid-connect/ext/par/request");
    static final ECKey KEY = Proofs.ecKey();

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void tokenEndpointAnswersInvalidDpopProof(String name, String dpop) {
        Http.Response response = Http.postForm(TOKEN, form("grant_type", "client_credentials"),
                basic("service", "service-secret"), List.of(dpop));

        assertEquals(400, response.status(), name + ": " + response);
        assertEquals("invalid_dpop_proof", response.string("error"), name + ": " + response);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void parEndpointAnswersInvalidDpopProof(String name, String dpop) {
        Http.Response response = Http.postForm(PAR, new CodeFlow().authorizationRequest("spa"), null, List.of(dpop));

        assertEquals(400, response.status(), name + ": " + response);
        assertEquals("invalid_dpop_proof", response.string("error"), name + ": " + response);
    }

    static Stream<Arguments> malformed() {
        String header = json("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":" + KEY.toPublicJWK().toJSONString() + "}");
        String claims = json("{\"jti\":\"x\",\"htm\":\"POST\",\"htu\":\"" + TOKEN + "\",\"iat\":" + now() + "}");
        String sig = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[64]);
        List<Arguments> cases = new ArrayList<>(List.of(
                of("one dot", "a.b"),
                of("four segments", "a.b.c.d"),
                of("only dots", ".."),
                of("empty signature", header + "." + claims + "."),
                of("padding characters", header + "=." + claims + "." + sig),
                of("standard base64 alphabet", header.replace('-', '+') + "+/." + claims + "." + sig),
                of("whitespace inside", header + " ." + claims + "." + sig),
                of("header not JSON", json("not json") + "." + claims + "." + sig),
                of("header a JSON array", json("[1,2]") + "." + claims + "." + sig),
                of("header JSON null", json("null") + "." + claims + "." + sig),
                of("header not UTF-8", Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {(byte) 0xff, (byte) 0xfe, '{', '}'}) + "." + claims + "." + sig),
                of("header with duplicate alg", json("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"alg\":\"none\",\"jwk\":" + KEY.toPublicJWK().toJSONString() + "}") + "." + claims + "." + sig),
                of("typ a number", json("{\"typ\":1,\"alg\":\"ES256\",\"jwk\":" + KEY.toPublicJWK().toJSONString() + "}") + "." + claims + "." + sig),
                of("alg an object", json("{\"typ\":\"dpop+jwt\",\"alg\":{},\"jwk\":" + KEY.toPublicJWK().toJSONString() + "}") + "." + claims + "." + sig),
                of("jwk a string", json("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":\"key\"}") + "." + claims + "." + sig),
                of("jwk kty oct", json("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":{\"kty\":\"oct\",\"k\":\"AAAA\"}}") + "." + claims + "." + sig),
                of("jwk kty unknown", json("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":{\"kty\":\"XYZ\"}}") + "." + claims + "." + sig),
                of("jwk curve unknown", json("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-999\",\"x\":\"AA\",\"y\":\"AA\"}}") + "." + claims + "." + sig),
                of("jwk x missing", json("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"y\":\"AA\"}}") + "." + claims + "." + sig),
                of("jwk x not base64url", json("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"***\",\"y\":\"###\"}}") + "." + claims + "." + sig),
                of("jwk point at zero", json("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" + zeros(32) + "\",\"y\":\"" + zeros(32) + "\"}}") + "." + claims + "." + sig),
                of("jwk RSA modulus zero", json("{\"typ\":\"dpop+jwt\",\"alg\":\"RS256\",\"jwk\":{\"kty\":\"RSA\",\"n\":\"AA\",\"e\":\"AQAB\"}}") + "." + claims + "." + sig),
                of("jwk RSA exponent one", json("{\"typ\":\"dpop+jwt\",\"alg\":\"RS256\",\"jwk\":{\"kty\":\"RSA\",\"n\":\"" + "_".repeat(342) + "w\",\"e\":\"AQ\"}}") + "." + claims + "." + sig),
                of("claims not JSON", header + "." + json("{{{") + "." + sig),
                of("claims a JSON array", header + "." + json("[]") + "." + sig),
                of("claims a string", header + "." + json("\"claims\"") + "." + sig),
                of("claims deeply nested", header + "." + json("{\"a\":" + "[".repeat(3000) + "]".repeat(3000) + "}") + "." + sig),
                of("iat huge", header + "." + json("{\"jti\":\"x\",\"htm\":\"POST\",\"htu\":\"" + TOKEN + "\",\"iat\":1e400}") + "." + sig),
                of("iat negative", header + "." + json("{\"jti\":\"x\",\"htm\":\"POST\",\"htu\":\"" + TOKEN + "\",\"iat\":-1}") + "." + sig),
                of("iat an object", header + "." + json("{\"jti\":\"x\",\"htm\":\"POST\",\"htu\":\"" + TOKEN + "\",\"iat\":{}}") + "." + sig),
                of("jti a number", header + "." + json("{\"jti\":7,\"htm\":\"POST\",\"htu\":\"" + TOKEN + "\",\"iat\":" + now() + "}") + "." + sig),
                of("htu not a URI", header + "." + json("{\"jti\":\"x\",\"htm\":\"POST\",\"htu\":\"http://[::1\",\"iat\":" + now() + "}") + "." + sig),
                of("htu relative", header + "." + json("{\"jti\":\"x\",\"htm\":\"POST\",\"htu\":\"/token\",\"iat\":" + now() + "}") + "." + sig),
                of("htu with userinfo", header + "." + json("{\"jti\":\"x\",\"htm\":\"POST\",\"htu\":\"http://u:p@localhost/\",\"iat\":" + now() + "}") + "." + sig),
                of("htm an array", header + "." + json("{\"jti\":\"x\",\"htm\":[\"POST\"],\"htu\":\"" + TOKEN + "\",\"iat\":" + now() + "}") + "." + sig),
                of("signature not base64url", header + "." + claims + ".!!!!")));
        // Random bytes in each position, from a fixed seed so a failure can be replayed.
        Random random = new Random(9449);
        for (int i = 0; i < 20; i++) {
            cases.add(of("random segments #" + i, segment(random) + "." + segment(random) + "." + segment(random)));
            cases.add(of("random payload #" + i, header + "." + segment(random) + "." + sig));
        }
        return cases.stream();
    }

    static Arguments of(String name, String dpop) {
        return Arguments.of(name, dpop);
    }

    static String json(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static String segment(Random random) {
        byte[] bytes = new byte[1 + random.nextInt(300)];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String zeros(int bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[bytes]);
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }
}
