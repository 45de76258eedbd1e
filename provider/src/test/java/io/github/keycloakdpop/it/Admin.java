package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.form;

import com.nimbusds.jose.util.JSONArrayUtils;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keycloak's Admin REST API over HTTP, as admin/admin of the master realm, for the clients, identity providers and
 * authorization settings a test class needs in the demo realm. Each test class creates its own objects with ids of
 * its own, so the realm fixture stays as it is.
 */
public final class Admin {

    private static String token;
    private static long tokenExpiresAt;

    private Admin() {
    }

    /** A JSON object from alternating names and values (values: String, Boolean, Number, List, Map). */
    public static Map<String, Object> json(Object... namesAndValues) {
        Map<String, Object> json = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            json.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return json;
    }

    /** A confidential OIDC client with a client secret and the given attributes (all strings, as Keycloak keeps them). */
    public static Map<String, Object> confidentialClient(String clientId, String secret, Map<String, Object> attributes) {
        return json("clientId", clientId, "protocol", "openid-connect", "publicClient", false,
                "clientAuthenticatorType", "client-secret", "secret", secret, "standardFlowEnabled", false,
                "attributes", attributes);
    }

    /** Creates a client in the demo realm and returns its internal id. */
    public static String createClient(Map<String, Object> client) {
        return created(call("POST", "/clients", client), "client " + client.get("clientId"));
    }

    /** The representation of the client with this client id. */
    public static Map<String, Object> client(String clientId) {
        Http.Response response = call("GET", "/clients?clientId=" + enc(clientId), null);
        List<Object> clients = array(response);
        if (clients.size() != 1) {
            throw new AssertionError("no single client " + clientId + ": " + response);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> client = (Map<String, Object>) clients.get(0);
        return client;
    }

    public static String clientUuid(String clientId) {
        return (String) client(clientId).get("id");
    }

    /** Changes top-level fields of a client; {@code attributes} given here are merged into the client's attributes. */
    @SuppressWarnings("unchecked")
    public static void updateClient(String clientId, Map<String, Object> changes) {
        Map<String, Object> client = client(clientId);
        changes.forEach((name, value) -> {
            if ("attributes".equals(name)) {
                Map<String, Object> attributes = new LinkedHashMap<>((Map<String, Object>) client.getOrDefault("attributes", Map.of()));
                attributes.putAll((Map<String, Object>) value);
                client.put(name, attributes);
            } else {
                client.put(name, value);
            }
        });
        expect(204, call("PUT", "/clients/" + client.get("id"), client), "update client " + clientId);
    }

    /** Adds a protocol mapper to a client. */
    public static void addProtocolMapper(String clientId, Map<String, Object> mapper) {
        created(call("POST", "/clients/" + clientUuid(clientId) + "/protocol-mappers/models", mapper),
                "protocol mapper " + mapper.get("name") + " of " + clientId);
    }

    /** POSTs an authorization-services object (resource, policy/..., permission/...) of a resource server client. */
    public static Map<String, Object> createAuthz(String resourceServerClientId, String kind, Map<String, Object> object) {
        Http.Response response = call("POST", "/clients/" + clientUuid(resourceServerClientId)
                + "/authz/resource-server/" + kind, object);
        expect(201, response, kind + " " + object.get("name") + " of " + resourceServerClientId);
        return response.json();
    }

    public static void createIdentityProvider(Map<String, Object> identityProvider) {
        created(call("POST", "/identity-provider/instances", identityProvider),
                "identity provider " + identityProvider.get("alias"));
    }

    public static String userId(String username) {
        Http.Response response = call("GET", "/users?exact=true&username=" + enc(username), null);
        List<Object> users = array(response);
        if (users.size() != 1) {
            throw new AssertionError("no single user " + username + ": " + response);
        }
        return (String) ((Map<?, ?>) users.get(0)).get("id");
    }

    /** Links a realm user to an identity of an identity provider (what a first broker login would have done). */
    public static void linkIdentity(String username, String alias, String externalUserId, String externalUsername) {
        expect(204, call("POST", "/users/" + userId(username) + "/federated-identity/" + enc(alias),
                json("identityProvider", alias, "userId", externalUserId, "userName", externalUsername)),
                "link " + username + " to " + alias);
    }

    /** Sets (or with null removes) one attribute of the demo realm. */
    @SuppressWarnings("unchecked")
    public static void setRealmAttribute(String name, String value) {
        Http.Response realm = call("GET", "", null);
        expect(200, realm, "get realm");
        Map<String, Object> attributes = new java.util.HashMap<>(
                (Map<String, Object>) realm.json().getOrDefault("attributes", Map.of()));
        if (value == null) {
            attributes.remove(name);
        } else {
            attributes.put(name, value);
        }
        expect(204, call("PUT", "", Map.of("attributes", attributes)), "update realm attributes");
    }

    /** A call to {@code /admin/realms/dpop-demo + path} with an optional JSON body. */
    public static Http.Response call(String method, String path, Map<String, Object> body) {
        return call(KeycloakServer.get().baseUri, token(), method, path, body);
    }

    /** The same against the Keycloak at {@code baseUri} (a cluster node, say), with {@code token}. */
    public static Http.Response call(URI baseUri, String token, String method, String path, Map<String, Object> body) {
        URI uri = URI.create(baseUri.resolve("/admin/realms/" + KeycloakServer.REALM) + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSONObjectUtils.toJSONString(body)));
        }
        return Http.send(request.build());
    }

    public static synchronized String token() {
        if (token == null || System.currentTimeMillis() > tokenExpiresAt) {
            URI master = KeycloakServer.get().baseUri.resolve("/realms/master/protocol/openid-connect/token");
            Http.Response response = Http.postForm(master, form("grant_type", "password", "client_id", "admin-cli",
                    "username", "admin", "password", "admin"), null, List.of());
            expect(200, response, "admin token");
            token = response.string("access_token");
            long lifetime = Long.parseLong(response.string("expires_in"));
            tokenExpiresAt = System.currentTimeMillis() + (lifetime - 10) * 1000;
        }
        return token;
    }

    private static String created(Http.Response response, String what) {
        expect(201, response, "create " + what);
        String location = response.header("Location");
        return location == null ? null : location.substring(location.lastIndexOf('/') + 1);
    }

    private static void expect(int status, Http.Response response, String what) {
        if (response.status() != status) {
            throw new AssertionError(what + ": expected " + status + ", got " + response);
        }
    }

    private static List<Object> array(Http.Response response) {
        expect(200, response, "admin GET");
        try {
            return JSONArrayUtils.parse(response.body());
        } catch (ParseException e) {
            throw new AssertionError("not a JSON array: " + response, e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
