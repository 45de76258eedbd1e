package io.github.keycloakdpop.it;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The browser half of the authorization code flow, done over plain HTTP the way a browser would: open the
 * authorization URL, post alice's credentials to Keycloak's login form, and read the redirect to the callback.
 */
public final class CodeFlow {

    public static final String REDIRECT_URI = "http://127.0.0.1/callback";
    private static final Pattern FORM_ACTION = Pattern.compile("<form[^>]*id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"");

    public final String verifier = randomVerifier();
    private final Browser browser = new Browser();

    /** Authorization request parameters for {@code clientId} with PKCE S256; add {@code dpop_jkt} etc. as needed. */
    public Map<String, String> authorizationRequest(String clientId) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("client_id", clientId);
        params.put("response_type", "code");
        params.put("redirect_uri", REDIRECT_URI);
        params.put("scope", "openid");
        params.put("state", randomVerifier().substring(0, 16));
        params.put("code_challenge", challenge(verifier));
        params.put("code_challenge_method", "S256");
        return params;
    }

    /**
     * Logs alice in at {@code authorizationUrl} and returns the parameters Keycloak redirected back with ({@code code}
     * or {@code error}).
     */
    public Map<String, String> login(URI authorizationUrl) {
        Http.Response page = send(HttpRequest.newBuilder(authorizationUrl).GET().build());
        for (int hops = 0; page.status() == 302 && hops < 5; hops++) {
            URI location = authorizationUrl.resolve(page.header("Location"));
            if (location.toString().startsWith(REDIRECT_URI)) {
                return query(location);
            }
            page = send(HttpRequest.newBuilder(location).GET().build());
        }
        Matcher action = FORM_ACTION.matcher(page.body());
        if (page.status() != 200 || !action.find()) {
            throw new AssertionError("no login form: " + page.status() + " " + page.body());
        }
        URI post = URI.create(action.group(1).replace("&amp;", "&"));
        Http.Response redirect = send(HttpRequest.newBuilder(post)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(Http.encode(
                        Map.of("username", "alice", "password", "alice", "credentialId", ""))))
                .build());
        if (redirect.status() != 302) {
            throw new AssertionError("login did not redirect: " + redirect.status() + " " + redirect.body());
        }
        return query(URI.create(redirect.header("Location")));
    }

    /** The code for {@code params} at Keycloak's authorization endpoint, failing if Keycloak refused. */
    public String code(Map<String, String> params) {
        Map<String, String> callback = login(authorizationUrl(params));
        if (!callback.containsKey("code")) {
            throw new AssertionError("no code: " + callback);
        }
        return callback.get("code");
    }

    public static URI authorizationUrl(Map<String, String> params) {
        return URI.create(KeycloakServer.get().realmUri("protocol/openid-connect/auth") + "?" + Http.encode(params));
    }

    private Http.Response send(HttpRequest request) {
        return browser.send(HttpRequest.newBuilder(request, (name, value) -> true));
    }

    /** The callback's parameters, from its query or (implicit and hybrid responses) its fragment. */
    static Map<String, String> query(URI uri) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String query : new String[] {uri.getRawQuery(), uri.getRawFragment()}) {
            if (query == null) {
                continue;
            }
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                params.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return params;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String randomVerifier() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String challenge(String verifier) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
