package io.github.keycloakdpop.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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

    /**
     * Three segments, each non-empty and base64url without padding. The proof's characters are copied to bytes once
     * and the segments decoded from there: a token request pays for every copy (a load-run allocation profile).
     */
    static CompactJws parse(String proof) throws DPoPProofException {
        int first = proof.indexOf('.');
        int second = first < 0 ? -1 : proof.indexOf('.', first + 1);
        if (second < 0 || proof.indexOf('.', second + 1) >= 0) {
            throw new DPoPProofException("DPoP proof is not a compact JWS");
        }
        // A character outside ISO-8859-1 becomes '?', which no segment decodes: the proof is still refused.
        byte[] bytes = proof.getBytes(StandardCharsets.ISO_8859_1);
        byte[] header = segment(bytes, 0, first);
        byte[] claims = segment(bytes, first + 1, second);
        byte[] signature = segment(bytes, second + 1, bytes.length);
        // Every character before the second dot is base64url or that dot: these are its ASCII bytes.
        return new CompactJws(header, claims, signature, Arrays.copyOf(bytes, second), proof);
    }

    /** RFC 8259 only (no comments, leading zeros, trailing commas...), and a member name at most once per object. */
    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** A decoded segment as a UTF-8 JSON object, duplicate member names refused; else {@code failure}. */
    static Map<String, Object> jsonObject(byte[] segment, String failure) throws DPoPProofException {
        try (JsonParser parser = parser(segment)) {
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

    /**
     * ASCII without NUL, as proofs nearly always are, goes to Jackson as bytes: no byte can make Jackson guess UTF-16
     * or UTF-32 (it looks for zero bytes) or skip a BOM. Anything else is first decoded by the JDK's strict decoder,
     * which reports malformed UTF-8 (overlong forms, encoded surrogates...) instead of replacing it.
     */
    private static JsonParser parser(byte[] segment) throws IOException {
        for (byte b : segment) {
            if (b <= 0) {
                return JSON.createParser(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(segment)).toString());
            }
        }
        return JSON.createParser(segment);
    }

    /*
     * Objects and values as jose4j's JsonUtil represents them, which the checks were written for: ordered maps,
     * lists, strings, Long or BigInteger, Double, Boolean, null.
     */
    private static Map<String, Object> object(JsonParser parser) throws IOException {
        Map<String, Object> members = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = wellFormed(parser.currentName());
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
            case VALUE_STRING -> wellFormed(parser.getText());
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
     * {@code s} if it is well-formed UTF-16; an unpaired surrogate, which a JSON escape such as {@code \ud800} can
     * carry past the UTF-8 decoder, is refused (RFC 8259 §8.2: such a string has no defined meaning, and Keycloak
     * before 26.7 would accept the proof after the plugin while Keycloak 26.7 refuses it).
     */
    private static String wellFormed(String s) throws IOException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IOException("unpaired surrogate");
            }
        }
        return s;
    }

    /**
     * Decodes unpadded, canonical base64url; null if {@code s} has any other character, an impossible length or
     * unused bits set ({@link #canonical}). The JDK's decoder refuses every character outside the base64url alphabet
     * and a length of 4k+1; it only also takes padding and non-zero unused bits, which are refused here.
     */
    static byte[] base64url(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1); // any other character becomes '?', refused
        return base64url(bytes, 0, bytes.length);
    }

    /**
     * Whether the unused low bits of the last character are zero (RFC 4648 §3.5, RFC 7515 §2): otherwise another
     * string decodes to the same octets, and whoever hashes the string rather than the octets (Keycloak's thumbprint
     * of a proof key does) sees another value. The length is that of valid base64url.
     */
    static boolean canonical(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        return canonical(bytes, 0, bytes.length);
    }

    private static boolean canonical(byte[] bytes, int from, int to) {
        int unusedBits = switch ((to - from) % 4) {
            case 2 -> 4;
            case 3 -> 2;
            default -> 0;
        };
        if (unusedBits == 0 || to == from) {
            return true;
        }
        int value = ALPHABET.indexOf(bytes[to - 1]);
        return value < 0 || (value & ((1 << unusedBits) - 1)) == 0; // a character outside the alphabet: not this check
    }

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /** {@code bytes[from, to)} as unpadded, canonical base64url, decoded; null if it is not. */
    private static byte[] base64url(byte[] bytes, int from, int to) {
        if (contains(bytes, from, to, (byte) '=') || !canonical(bytes, from, to)) {
            return null;
        }
        try {
            ByteBuffer decoded = Base64.getUrlDecoder().decode(ByteBuffer.wrap(bytes, from, to - from));
            return decoded.remaining() == decoded.capacity() ? decoded.array()
                    : Arrays.copyOf(decoded.array(), decoded.remaining());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** {@code bytes[from, to)}, non-empty unpadded base64url, decoded. */
    private static byte[] segment(byte[] bytes, int from, int to) throws DPoPProofException {
        byte[] decoded = from < to ? base64url(bytes, from, to) : null;
        if (decoded == null) {
            throw new DPoPProofException(from < to && !canonical(bytes, from, to)
                    ? "DPoP proof is not a compact JWS: a segment is not canonical base64url (unused bits set)"
                    : "DPoP proof is not a compact JWS");
        }
        return decoded;
    }

    private static boolean contains(byte[] bytes, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == b) {
                return true;
            }
        }
        return false;
    }
}
