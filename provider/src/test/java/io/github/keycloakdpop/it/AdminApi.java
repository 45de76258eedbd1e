package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.form;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Keycloak's Admin REST API over HTTP, as admin/admin of the master realm, for test setup only. */
public final class AdminApi {

    private AdminApi() {
    }

    public static String token() {
        KeycloakServer kc = KeycloakServer.get();
        Http.Response response = Http.postForm(kc.baseUri.resolve("/realms/master/protocol/openid-connect/token"),
                form("grant_type", "password", "client_id", "admin-cli", "username", "admin", "password", "admin"),
                null, List.of());
        if (response.status() != 200) {
            throw new AssertionError("admin login failed: " + response);
        }
        return response.string("access_token");
    }

    public static Http.Response send(String method, String path, Map<String, Object> body) {
        URI uri = KeycloakServer.get().baseUri.resolve("/admin/realms/" + KeycloakServer.REALM + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token())
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSONObjectUtils.toJSONString(body)));
        Http.Response response = Http.send(request.build());
        if (response.status() >= 300) {
            throw new AssertionError(method + " " + path + " failed: " + response);
        }
        return response;
    }

    /** Sets (or with null removes) one attribute of the demo realm. */
    @SuppressWarnings("unchecked")
    public static void setRealmAttribute(String name, String value) {
        Map<String, Object> realm = send("GET", "", null).json();
        Map<String, Object> attributes = new HashMap<>((Map<String, Object>) realm.getOrDefault("attributes", Map.of()));
        if (value == null) {
            attributes.remove(name);
        } else {
            attributes.put(name, value);
        }
        send("PUT", "", Map.of("attributes", attributes));
    }
}
