package io.github.keycloakdpop.provider.keycloak;

import jakarta.ws.rs.core.MultivaluedMap;
import java.util.List;

/**
 * The {@code Authorization} header with its scheme written {@code DPoP}. Auth schemes are case-insensitive (RFC 9110
 * §11.1), but Keycloak up to 26.6 compares {@code DPoP} case-sensitively in its re-check at userinfo
 * ({@code DPoPUtil.withDPoPVerifier}), so a token sent as {@code dpop ...}, which the plugin accepts, would be refused
 * after the plugin. The request's own header is rewritten before resource matching: Keycloak's userinfo endpoint holds
 * the request from its sub-resource locator on, and the account API authenticates there, both before any
 * non-pre-matching filter runs (RESTEasy Reactive); both read the headers from the map rewritten here. Nothing else
 * changes; a client that writes {@code DPoP} costs nothing.
 */
public final class CanonicalDPoPScheme {

    private static final String AUTHORIZATION = "Authorization";

    private CanonicalDPoPScheme() {
    }

    /** Whether any value spells the DPoP scheme otherwise than {@code DPoP}. */
    public static boolean needed(List<String> authorization) {
        return authorization.stream().anyMatch(CanonicalDPoPScheme::otherSpelling);
    }

    /** @param headers the request's mutable headers ({@code ContainerRequestContext.getHeaders()}) */
    public static void canonicalize(MultivaluedMap<String, String> headers) {
        List<String> values = headers.get(AUTHORIZATION);
        if (values != null && values.stream().anyMatch(CanonicalDPoPScheme::otherSpelling)) {
            headers.put(AUTHORIZATION, values.stream().map(v -> otherSpelling(v) ? "DPoP" + v.substring(4) : v).toList());
        }
    }

    static boolean otherSpelling(String value) {
        return value != null && value.length() > 5 && value.regionMatches(true, 0, "DPoP", 0, 4)
                && Character.isWhitespace(value.charAt(4)) && !value.startsWith("DPoP");
    }
}
