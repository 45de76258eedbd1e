package io.github.keycloakdpop.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.SplittableRandom;

import org.jose4j.json.JsonUtil;
import org.jose4j.lang.JoseException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JSON reading (Jackson's streaming parser) and the JDK-checked base64url decoder against what they replaced:
 * jose4j's {@code JsonUtil.parseJson} and an explicit alphabet check.
 */
class CompactJwsTest {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /**
     * The decoder before: every character checked against the base64url alphabet, then the JDK's decoder; and only
     * the canonical spelling, the one that encoding the octets again gives (RFC 4648 §3.5).
     */
    private static byte[] alphabetChecked(String s) {
        if (s.length() % 4 == 1) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            if (ALPHABET.indexOf(s.charAt(i)) < 0) {
                return null;
            }
        }
        byte[] octets = Base64.getUrlDecoder().decode(s);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(octets).equals(s) ? octets : null;
    }

    @Test
    void nonCanonicalBase64urlIsRefused() {
        // "AB" and "AA" both decode to one zero octet in a lenient decoder; only "AA" is its spelling
        assertArrayEquals(new byte[] {0}, CompactJws.base64url("AA"));
        assertNull(CompactJws.base64url("AB"));
        assertNull(CompactJws.base64url("AAB")); // two octets, two unused bits set
        assertArrayEquals(new byte[] {0, 0}, CompactJws.base64url("AAA"));
    }

    @Test
    void base64urlDecodesExactlyWhatTheAlphabetCheckAccepted() {
        SplittableRandom random = new SplittableRandom(9449);
        String strays = "=+/ .\n\t%\u00e9\u00ff\u0100\u20ac\0";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(12);
            for (int j = 0; j < length; j++) {
                boolean stray = random.nextInt(8) == 0;
                s.append(stray ? strays.charAt(random.nextInt(strays.length())) : ALPHABET.charAt(random.nextInt(64)));
            }
            String candidate = s.toString();
            byte[] expected = alphabetChecked(candidate);
            byte[] actual = CompactJws.base64url(candidate);
            if (expected == null) {
                assertNull(actual, candidate);
            } else {
                assertArrayEquals(expected, actual, candidate);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"a\":1,\"b\":[1,2.5,{\"c\":null}],\"d\":true,\"f\":false}",
            "{\"typ\":\"dpop+jwt\",\"n\":\"\\u00e9\\n\\\"\"}", " { \"iat\" : 1700000000 } ", "{\"iat\":-0,\"e\":1e3,\"f\":1.5E-2}",
            "{\"big\":123456789012345678901234567890,\"max\":9223372036854775807,\"over\":9223372036854775808}",
            "{\"nested\":{\"a\":{\"b\":[[],{}]}}}", "{\"huge\":1e400}"})
    void parsesObjectsAsJose4jDoes(String json) throws Exception {
        assertEquals(JsonUtil.parseJson(json), parse(json));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "[]", "1", "\"s\"", "null", "{", "{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1,\"b\":1}}",
            "{\"a\":1}x", "{'a':1}"})
    void refusesWhatJose4jRefuses(String json) {
        assertThrows(JoseException.class, () -> JsonUtil.parseJson(json), "the premise: jose4j refuses " + json);
        assertThrows(DPoPProofException.class, () -> parse(json));
    }

    /** Not JSON by RFC 8259, yet jose4j's lenient parser takes them (and Keycloak's own re-check would not). */
    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":01}", "{\"a\":1,}", "{\"a\":[1,]}", "{\"a\":\"x\ty\"}", "{\"a\":1}{}",
            "{\"a\":NaN}", "{\"a\":1 /* c */}", "{a:1}"})
    void refusesWhatIsNotJsonEvenWhereJose4jIsLenient(String json) {
        assertThrows(DPoPProofException.class, () -> parse(json));
    }

    @Test
    void refusesMalformedUtf8() {
        byte[] invalid = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'};
        byte[] overlong = {'{', '"', 'a', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'};
        assertThrows(DPoPProofException.class, () -> CompactJws.jsonObject(invalid, "no"));
        assertThrows(DPoPProofException.class, () -> CompactJws.jsonObject(overlong, "no"));
    }

    /** ASCII goes to Jackson as bytes (CompactJws.parser): zero bytes must not make it read UTF-16 or UTF-32. */
    @Test
    void refusesOtherEncodingsAndNulBytes() {
        String json = "{\"a\":1}";
        for (java.nio.charset.Charset charset : new java.nio.charset.Charset[] {StandardCharsets.UTF_16BE,
                StandardCharsets.UTF_16LE, java.nio.charset.Charset.forName("UTF-32BE"),
                java.nio.charset.Charset.forName("UTF-32LE")}) {
            assertThrows(DPoPProofException.class, () -> CompactJws.jsonObject(json.getBytes(charset), "no"),
                    charset.name());
        }
        assertThrows(DPoPProofException.class, () -> parse("\0" + json));
        assertThrows(DPoPProofException.class, () -> parse(json + "\0"));
        assertThrows(DPoPProofException.class, () -> parse("{\"a\":\"\0\"}"));
    }

    /** RFC 8259 §8.2: a JSON escape can carry an unpaired surrogate past the UTF-8 decoder; refused, paired ones not. */
    @Test
    void refusesUnpairedSurrogatesInNamesAndValues() throws DPoPProofException {
        for (String json : new String[] {"{\"jti\":\"\\ud800\"}", "{\"jti\":\"a\\udc00b\"}",
                "{\"jti\":\"\\ude00\\ud83d\"}", "{\"\\ud800\":1}", "{\"a\":[\"\\udbff\"]}"}) {
            assertThrows(DPoPProofException.class, () -> CompactJws.jsonObject(json.getBytes(StandardCharsets.US_ASCII),
                    "no"), json);
        }
        assertEquals("\ud83d\ude00", CompactJws.jsonObject("{\"jti\":\"\\ud83d\\ude00\"}".getBytes(
                StandardCharsets.US_ASCII), "no").get("jti"));
    }

    @Test
    void splitsAndDecodesTheThreeSegments() throws DPoPProofException {
        String header = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"h\":1}".getBytes(StandardCharsets.US_ASCII));
        String claims = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"c\":22}".getBytes(StandardCharsets.US_ASCII));
        String proof = header + "." + claims + ".AQID";
        CompactJws jws = CompactJws.parse(proof);
        assertArrayEquals("{\"h\":1}".getBytes(StandardCharsets.US_ASCII), jws.header());
        assertArrayEquals("{\"c\":22}".getBytes(StandardCharsets.US_ASCII), jws.claims());
        assertArrayEquals(new byte[] {1, 2, 3}, jws.signature());
        assertArrayEquals((header + "." + claims).getBytes(StandardCharsets.US_ASCII), jws.signingInput());
        for (String bad : new String[] {header + "." + claims, header + "." + claims + ".", "." + claims + ".AQID",
                header + ".." + "AQID", header + "." + claims + ".AQ==", header + "=." + claims + ".AQID",
                header + "." + claims + ".AQID.x", header + "." + claims + ".AQ\u0100D", header + "." + claims + ".A"}) {
            assertThrows(DPoPProofException.class, () -> CompactJws.parse(bad), bad);
        }
    }

    private static Map<String, Object> parse(String json) throws DPoPProofException {
        return CompactJws.jsonObject(json.getBytes(StandardCharsets.UTF_8), "not JSON");
    }
}
