package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * RFC 9449 §6.2: introspection of a DPoP-bound access token tells the resource server the key's thumbprint
 * ({@code cnf.jkt}) and, when it names a token type, {@code DPoP}. The resource server ({@code service}) sends no
 * proof. Keycloak does this itself; these tests keep it checked with the plugin installed.
 */
class IntrospectionIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final URI INTROSPECT = KC.realmUri("protocol/openid-connect/token/introspect");

    final ECKey key = Proofs.ecKey();

    static Http.Response introspect(String token) {
        return Http.postForm(INTROSPECT, form("token", token), basic("service", "service-secret"), List.of());
    }

    @SuppressWarnings("unchecked")
    static void assertBoundTo(ECKey key, Http.Response introspection) {
        assertEquals(200, introspection.status(), introspection.toString());
        Map<String, Object> json = introspection.json();
        assertEquals(true, json.get("active"), introspection.toString());
        assertEquals("DPoP", json.get("token_type"), introspection.toString());
        assertEquals(Proofs.jkt(key), ((Map<String, Object>) json.get("cnf")).get("jkt"), introspection.toString());
    }

    @Test
    void alicesBoundTokenIsActiveWithItsThumbprintAndTypeDpop() {
        assertBoundTo(key, introspect(ResourceClient.boundAccessToken(key)));
    }

    @Test
    void boundServiceAccountTokenIsActiveWithItsThumbprintAndTypeDpop() {
        String token = Http.postForm(TOKEN, form("grant_type", "client_credentials"), basic("service", "service-secret"),
                List.of(Proofs.proof(key, "POST", TOKEN))).string("access_token");

        assertBoundTo(key, introspect(token));
    }

    @Test
    void unboundTokenHasNoThumbprint() {
        String token = Http.postForm(TOKEN, form("grant_type", "client_credentials"), basic("legacy", "legacy-secret"),
                List.of()).string("access_token");

        Http.Response introspection = introspect(token);

        assertEquals(true, introspection.json().get("active"), introspection.toString());
        assertEquals("Bearer", introspection.json().get("token_type"), introspection.toString());
        assertEquals(null, introspection.json().get("cnf"), introspection.toString());
    }
}
