package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.form;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OAuth 2.0 device authorization grant (RFC 8628) as a device and a user's browser do it over plain HTTP: the
 * device asks for a user code, and alice opens the verification URI, logs in and grants access; the device then
 * polls the token endpoint itself.
 */
public final class DeviceFlow {

    private static final Pattern LOGIN_FORM = Pattern.compile("<form[^>]*id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"");
    private static final Pattern CONSENT_FORM = Pattern.compile("<form[^>]*action=\"([^\"]*login-actions/consent[^\"]*)\"");
    private static final Pattern HIDDEN_CODE = Pattern.compile("<input[^>]*name=\"code\"[^>]*value=\"([^\"]*)\"");

    /** What the device authorization endpoint answered. */
    public record Authorization(String deviceCode, String userCode, URI verificationUriComplete) {
    }

    private final Browser browser = new Browser();
    private URI lastUri;

    /** The device's request to {@code /protocol/openid-connect/auth/device} as the public client {@code clientId}. */
    public static Authorization start(String clientId) {
        URI endpoint = KeycloakServer.get().realmUri("protocol/openid-connect/auth/device");
        Http.Response response = Http.postForm(endpoint, form("client_id", clientId, "scope", "openid"), null, List.of());
        if (response.status() != 200) {
            throw new AssertionError("device authorization refused: " + response);
        }
        return new Authorization(response.string("device_code"), response.string("user_code"),
                URI.create(response.string("verification_uri_complete")));
    }

    /** alice opens the verification URI, logs in and grants the device access; fails unless Keycloak confirms it. */
    public void approveAsAlice(Authorization authorization) {
        Http.Response page = follow(authorization.verificationUriComplete(), get(authorization.verificationUriComplete()));
        Matcher login = LOGIN_FORM.matcher(page.body());
        if (!login.find()) {
            throw new AssertionError("no login form: " + page);
        }
        URI loginAction = URI.create(unescape(login.group(1)));
        page = follow(loginAction, post(loginAction, form("username", "alice", "password", "alice", "credentialId", "")));

        Matcher consent = CONSENT_FORM.matcher(page.body());
        if (consent.find()) {
            Matcher code = HIDDEN_CODE.matcher(page.body());
            if (!code.find()) {
                throw new AssertionError("consent form without code: " + page);
            }
            URI consentAction = loginAction.resolve(unescape(consent.group(1)));
            page = follow(consentAction, post(consentAction, form("code", code.group(1), "accept", "")));
        }
        // Keycloak ends a successful verification on .../device/status (a refusal adds ?error=...).
        if (page.status() != 200 || !lastUri.getPath().endsWith("/device/status") || lastUri.getQuery() != null) {
            throw new AssertionError("device not approved (at " + lastUri + "): " + page);
        }
    }

    private Http.Response follow(URI from, Http.Response page) {
        lastUri = from;
        for (int hops = 0; (page.status() == 302 || page.status() == 303) && hops < 10; hops++) {
            lastUri = lastUri.resolve(page.header("Location"));
            page = get(lastUri);
        }
        return page;
    }

    private Http.Response get(URI uri) {
        return send(HttpRequest.newBuilder(uri).GET());
    }

    private Http.Response post(URI uri, Map<String, String> form) {
        return send(HttpRequest.newBuilder(uri).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(Http.encode(form))));
    }

    private Http.Response send(HttpRequest.Builder request) {
        return browser.send(request);
    }

    private static String unescape(String html) {
        return html.replace("&amp;", "&");
    }
}
