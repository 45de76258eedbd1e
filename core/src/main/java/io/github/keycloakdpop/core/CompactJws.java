package io.github.keycloakdpop.core;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import org.jose4j.json.JsonUtil;
import org.jose4j.lang.JoseException;

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

    /** A decoded segment as a UTF-8 JSON object (duplicate member names refused by jose4j); else {@code failure}. */
    static Map<String, Object> jsonObject(byte[] segment, String failure) throws DPoPProofException {
        try {
            // newDecoder() reports malformed UTF-8 instead of silently replacing it.
            String json = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(segment)).toString();
            return JsonUtil.parseJson(json);
        } catch (CharacterCodingException | JoseException | RuntimeException e) {
            throw new DPoPProofException(failure);
        }
    }

    /** Decodes unpadded base64url; null if {@code s} has any other character or an impossible length. */
    static byte[] base64url(String s) {
        if (s.length() % 4 == 1) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!allowed) {
                return null;
            }
        }
        return Base64.getUrlDecoder().decode(s);
    }

    private static byte[] segment(String s) throws DPoPProofException {
        byte[] decoded = s.isEmpty() ? null : base64url(s);
        if (decoded == null) {
            throw new DPoPProofException("DPoP proof is not a compact JWS");
        }
        return decoded;
    }
}
