package io.github.keycloakdpop.core;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * The {@code htu} comparison of RFC 9449 §4.3 item 9: without query and fragment, after RFC 3986 §6.2.2
 * syntax-based and §6.2.3 scheme-based normalization.
 */
public final class Htu {

    private static final String HEX = "0123456789ABCDEF";

    private Htu() {
    }

    /**
     * Normalizes an absolute http(s) URI: lower-case scheme and host, no default port, empty path as "/",
     * percent-encoded unreserved characters decoded, other percent-encodings in upper case, dot segments removed,
     * query and fragment dropped.
     *
     * @throws IllegalArgumentException if {@code uri} is not an absolute http(s) URI with a host and no userinfo
     */
    public static String normalize(String uri) {
        URI parsed = parse(uri);
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("not an http(s) URI");
        }
        if (parsed.getHost() == null || parsed.getHost().isEmpty()) {
            throw new IllegalArgumentException("URI has no host");
        }
        // A target URI never carries credentials; "https://evil@server/" must not look like the server.
        if (parsed.getRawUserInfo() != null) {
            throw new IllegalArgumentException("URI has userinfo");
        }
        int port = parsed.getPort();
        if (port > 65535) {
            throw new IllegalArgumentException("URI port is out of range");
        }
        boolean defaultPort = port == -1 || port == (scheme.equals("http") ? 80 : 443);
        String path = removeDotSegments(normalizePercentEncoding(parsed.getRawPath()));
        return scheme + "://" + parsed.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port)
                + (path.isEmpty() ? "/" : path);
    }

    /**
     * A request URI in the forms a proof's {@code htu} is compared with.
     *
     * @param normalized     {@link #normalize} of the request URI: what {@code htu} must denote, and the replay scope
     * @param literal        {@link #withoutQueryAndFragment}: what a client should send
     * @param literalMatches whether an {@code htu} equal to {@code literal} passes both comparisons; true for any
     *                       request URI that is not unusual
     */
    record Target(String uri, String normalized, String literal, boolean literalMatches) {
    }

    /**
     * Targets of recent request URIs, direct-mapped by hash: a server sees a handful of endpoint URIs, and computing
     * the forms costs several URI parses per proof. Bounded whatever the Host headers sent.
     */
    private static final Target[] TARGETS = new Target[64];

    /**
     * The request URI's forms, from {@link #TARGETS} when this URI was seen recently.
     *
     * @throws IllegalArgumentException if the request URI is not an absolute http(s) URI
     */
    static Target target(URI requestUri) {
        String uri = requestUri.toString();
        int slot = uri.hashCode() & (TARGETS.length - 1);
        Target known = TARGETS[slot]; // a record's fields are final, so reading a racing write is safe
        if (known != null && known.uri().equals(uri)) {
            return known;
        }
        String normalized = normalize(requestUri.toASCIIString());
        String literal = withoutQueryAndFragment(requestUri);
        Target target = new Target(uri, normalized, literal,
                matchesNormalized(literal, normalized) && writtenSameWay(literal, requestUri));
        TARGETS[slot] = target;
        return target;
    }

    /**
     * Why a proof's {@code htu} does not denote the request URI, in words that quote neither (a request URI can carry
     * the caller's Host header): which part differs, or that it is no absolute http(s) URI.
     */
    static String mismatch(String proofHtu, String normalizedRequestUri) {
        URI proof;
        try {
            proof = URI.create(normalize(proofHtu));
        } catch (IllegalArgumentException e) {
            return "DPoP proof htu is not an absolute http(s) URI without userinfo";
        }
        URI request = URI.create(normalizedRequestUri);
        String part = !proof.getScheme().equals(request.getScheme()) ? "scheme"
                : !proof.getHost().equals(request.getHost()) ? "host"
                : proof.getPort() != request.getPort() ? "port" : "path";
        return "DPoP proof htu does not match the request URI: its " + part + " differs";
    }

    /** Whether a proof's {@code htu} denotes the request URI; false if {@code proofHtu} is not an http(s) URI. */
    public static boolean matches(String proofHtu, URI requestUri) {
        return matchesNormalized(proofHtu, normalize(requestUri.toASCIIString()));
    }

    /** {@link #matches}, with the request URI already normalized (the verifier needs that form twice per proof). */
    static boolean matchesNormalized(String proofHtu, String normalizedRequestUri) {
        try {
            return normalize(proofHtu).equals(normalizedRequestUri);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@link #writtenSameWay(String, URI, boolean)} as Keycloak 26.7 compares: query and fragment dropped. */
    public static boolean writtenSameWay(String proofHtu, URI requestUri) {
        return writtenSameWay(proofHtu, requestUri, false);
    }

    /**
     * Whether {@code proofHtu} is written the way Keycloak's built-in DPoP check wants it: {@link URI#equals} against
     * the request URI, query and fragment dropped on both sides (Keycloak 26.7). With {@code keepsFragment}, as
     * Keycloak before 26.7 compares, only the query is dropped, so an {@code htu} with a fragment is refused: the
     * fragment would be compared against a request URI that has none.
     */
    public static boolean writtenSameWay(String proofHtu, URI requestUri, boolean keepsFragment) {
        if (keepsFragment && proofHtu.indexOf('#') >= 0) {
            return false;
        }
        try {
            return new URI(cut(cut(proofHtu, "#"), "?")).equals(new URI(withoutQueryAndFragment(requestUri)));
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** The request URI as a client should put it in {@code htu}. */
    public static String withoutQueryAndFragment(URI uri) {
        return cut(cut(uri.toString(), "#"), "?");
    }

    private static URI parse(String uri) {
        if (uri == null) {
            throw new IllegalArgumentException("URI is null");
        }
        // Only printable ASCII: an IRI or a URI with spaces is not an htu the client could have meant literally.
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= 0x20 || c >= 0x7F) {
                throw new IllegalArgumentException("URI contains a character outside printable ASCII");
            }
        }
        try {
            return new URI(uri);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URI");
        }
    }

    /** RFC 3986 §6.2.2.1 and §6.2.2.2. The input was parsed by java.net.URI, so every '%' has two hex digits. */
    private static String normalizePercentEncoding(String path) {
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            int octet = Integer.parseInt(path.substring(i + 1, i + 3), 16);
            if (isUnreserved(octet)) {
                out.append((char) octet);
            } else {
                out.append('%').append(HEX.charAt(octet >> 4)).append(HEX.charAt(octet & 0xF));
            }
            i += 2;
        }
        return out.toString();
    }

    private static boolean isUnreserved(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    /** RFC 3986 §5.2.4 for the absolute (or empty) path of a URI with an authority. */
    private static String removeDotSegments(String path) {
        if (path.isEmpty()) {
            return path;
        }
        Deque<String> out = new ArrayDeque<>();
        String[] segments = path.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            boolean dot = segment.equals(".");
            boolean dotDot = segment.equals("..");
            if (dotDot) {
                out.pollLast();
            }
            if (!dot && !dotDot) {
                out.addLast(segment);
            } else if (i == segments.length - 1) {
                out.addLast(""); // "/a/b/.." is "/a/": the trailing slash stays
            }
        }
        return "/" + String.join("/", out);
    }

    private static String cut(String s, String at) {
        int i = s.indexOf(at);
        return i < 0 ? s : s.substring(0, i);
    }
}
