package io.github.keycloakdpop.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

/**
 * A JWS Compact Serialization (RFC 7515 §7.1), split and decoded strictly, once.
 *
 * @param header       the decoded JOSE header segment
 * @param claims       the decoded payload segment
 * @param signature    the decoded signature segment
 * @param signingInput the ASCII bytes the signature covers: header segment, ".", payload segment
 * @param serialization the proof as received
 */
record CompactJws(byte[] header, byte[] claims, byte[] signature, byte[] signingInput, String serialization) {

    /** Three segments, each non-empty and base64url without padding. */
    static CompactJws parse(String proof) throws DPoPProofException {
        int first = proof.indexOf('.');
        int second = first < 0 ? -1 : proof.indexOf('.', first + 1);
        if (second < 0 || proof.indexOf('.', second + 1) >= 0) {
            throw new DPoPProofException("DPoP proof is not a compact JWS");
        }
        byte[] header = segment(proof.substring(0, first));
        byte[] claims = segment(proof.substring(first + 1, second));
        byte[] signature = segment(proof.substring(second + 1));
        // Every character is base64url here, so the string's characters are its ASCII bytes.
        return new CompactJws(header, claims, signature, proof.substring(0, second).getBytes(StandardCharsets.US_ASCII),
                proof);
    }

    /** RFC 8259 only (no comments, leading zeros, trailing commas...), and a member name at most once per object. */
    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** A decoded segment as a UTF-8 JSON object, duplicate member names refused; else {@code failure}. */
    static Map<String, Object> jsonObject(byte[] segment, String failure) throws DPoPProofException {
        // newDecoder() reports malformed UTF-8 instead of silently replacing it.
        try (JsonParser parser = JSON.createParser(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(segment)).toString())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new DPoPProofException(failure);
            }
            Map<String, Object> members = object(parser);
            if (parser.nextToken() != null) {
                throw new DPoPProofException(failure); // something after the object
            }
            return members;
        } catch (IOException | RuntimeException e) { // malformed UTF-8 or JSON
            throw new DPoPProofException(failure);
        }
    }

    /*
     * Objects and values as jose4j's JsonUtil represents them, which the checks were written for: ordered maps,
     * lists, strings, Long or BigInteger, Double, Boolean, null.
     */
    private static Map<String, Object> object(JsonParser parser) throws IOException {
        Map<String, Object> members = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            members.put(name, value(parser, parser.nextToken()));
        }
        return members;
    }

    private static Object value(JsonParser parser, JsonToken token) throws IOException {
        return switch (token) {
            case START_OBJECT -> object(parser);
            case START_ARRAY -> {
                List<Object> elements = new ArrayList<>();
                for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
                    elements.add(value(parser, next));
                }
                yield elements;
            }
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT -> parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? parser.getBigIntegerValue() : (Object) parser.getLongValue();
            case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IOException("unexpected " + token);
        };
    }

    /**
     * Decodes unpadded base64url; null if {@code s} has any other character or an impossible length. The JDK's
     * decoder refuses every character outside the base64url alphabet and a length of 4k+1; it only also takes
     * padding, which is refused here.
     */
    static byte[] base64url(String s) {
        if (s.indexOf('=') >= 0) {
            return null;
        }
        try {
            return Base64.getUrlDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static byte[] segment(String s) throws DPoPProofException {
        byte[] decoded = s.isEmpty() ? null : base64url(s);
        if (decoded == null) {
            throw new DPoPProofException("DPoP proof is not a compact JWS");
        }
        return decoded;
    }
}
