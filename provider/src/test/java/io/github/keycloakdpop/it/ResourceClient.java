package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Alice's tokens, and requests to protected resources made the way a DPoP client makes them. */
final class ResourceClient {

    private ResourceClient() {
    }

    /** Alice's tokens from the public client {@code spa} (which requires DPoP), bound to {@code key}. */
    static Http.Response spaTokens(ECKey key) {
        return spaTokens(key, "openid");
    }

    static Http.Response spaTokens(ECKey key, String scope) {
        URI token = KeycloakServer.get().tokenEndpoint();
        Http.Response response = Http.postForm(token, form("grant_type", "password", "client_id", "spa",
                "username", "alice", "password", "alice", "scope", scope), null,
                List.of(Proofs.proof(key, "POST", token)));
        assertEquals(200, response.status(), response.toString());
        return response;
    }

    static String boundAccessToken(ECKey key) {
        return spaTokens(key).string("access_token");
    }

    /** A request with {@code Authorization: <authorization>} (unless null) and one DPoP line per proof. */
    static Http.Response call(String method, URI uri, Map<String, String> form, String authorization,
                              String... proofs) {
        List<String> headers = new ArrayList<>();
        if (authorization != null) {
            headers.addAll(List.of("Authorization", authorization));
        }
        for (String proof : proofs) {
            headers.addAll(List.of("DPoP", proof));
        }
        return Http.request(method, uri, form, headers.toArray(String[]::new));
    }

    static Http.Response get(URI uri, String authorization, String... proofs) {
        return call("GET", uri, null, authorization, proofs);
    }

    /** A DPoP request as RFC 9449 §7 has it: the token with the DPoP scheme, a fresh proof with its ath. */
    static Http.Response dpopGet(URI uri, String accessToken, ECKey key) {
        return get(uri, "DPoP " + accessToken, Proofs.proof(key, "GET", uri, accessToken));
    }

    /**
     * The proof algorithms the plugin reports in the admin console's server info, as an {@code algs} value (without
     * the plugin, a value no challenge has, so that assertions show what Keycloak sent instead).
     */
    @SuppressWarnings("unchecked")
    static String algs() {
        Http.Response info = Http.get(KeycloakServer.get().baseUri.resolve("/admin/serverinfo"),
                Map.of("Authorization", "Bearer " + Admin.token()));
        Map<String, Object> providers = (Map<String, Object>) info.json().get("providers");
        Map<String, Object> spi = (Map<String, Object>) providers.get("dpop-policy");
        if (spi == null) {
            return "(the plugin's algorithms: the plugin is not installed)";
        }
        Map<String, Object> provider = (Map<String, Object>) ((Map<String, Object>) spi.get("providers")).get("default");
        String algorithms = (String) ((Map<String, Object>) provider.get("operationalInfo")).get("algorithms");
        return String.join(" ", new TreeSet<>(List.of(algorithms.split(","))));
    }
}
