package io.github.keycloakdpop.core;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Pattern;

import org.jose4j.json.JsonUtil;
import org.jose4j.lang.JoseException;

/** Shape and decoding of a JWS Compact Serialization (RFC 7515 §7.1), strictly. */
final class CompactJws {

    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]*");

    private CompactJws() {
    }

    /** The three segments; each non-empty, base64url without padding. */
    static String[] split(String proof) throws DPoPProofException {
        String[] parts = proof.split("\\.", -1);
        if (parts.length != 3) {
            throw new DPoPProofException("DPoP proof is not a compact JWS");
        }
        for (String part : parts) {
            if (part.isEmpty() || base64url(part) == null) {
                throw new DPoPProofException("DPoP proof is not a compact JWS");
            }
        }
        return parts;
    }

    /** A segment decoded as a UTF-8 JSON object (duplicate member names refused by jose4j); else {@code failure}. */
    static Map<String, Object> jsonObject(String segment, String failure) throws DPoPProofException {
        try {
            // newDecoder() reports malformed UTF-8 instead of silently replacing it.
            String json = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(base64url(segment))).toString();
            return JsonUtil.parseJson(json);
        } catch (CharacterCodingException | JoseException | RuntimeException e) {
            throw new DPoPProofException(failure);
        }
    }

    /** Decodes unpadded base64url; null if {@code s} has any other character or an impossible length. */
    static byte[] base64url(String s) {
        if (s.length() % 4 == 1 || !BASE64URL.matcher(s).matches()) {
            return null;
        }
        return Base64.getUrlDecoder().decode(s);
    }
}
