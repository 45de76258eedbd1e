package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What an operator sees: the startup log line, the admin console's server info, and failing closed. */
class PluginStartupIT {

    @Test
    void startupLogSaysWhatThePluginEnforces() {
        String log = KeycloakServer.get().logText();

        assertTrue(log.contains("keycloak-dpop 0.1.0-SNAPSHOT: strict RFC 9449 checks at the token, PAR, userinfo and account endpoints"),
                KeycloakServer.get().logTail());
    }

    @Test
    void serverInfoShowsThePluginVersionAndPolicy() {
        Map<String, Object> operational = pluginServerInfo(KeycloakServer.get());

        assertEquals("0.1.0-SNAPSHOT", operational.get("version"), operational.toString());
        assertEquals("true", operational.get("dpop-feature"));
        assertEquals("10s", operational.get("max-age"));
    }

    @Test
    void serverWideOptionIsApplied() {
        // The second server runs with --spi-dpop-policy--default--max-age=5.
        Map<String, Object> operational = pluginServerInfo(KeycloakServer.withDpopFeatureDisabled());

        assertEquals("5s", operational.get("max-age"), operational.toString());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> pluginServerInfo(KeycloakServer kc) {
        Http.Response login = Http.postForm(kc.baseUri.resolve("/realms/master/protocol/openid-connect/token"),
                form("grant_type", "password", "client_id", "admin-cli", "username", "admin", "password", "admin"),
                null, List.of());
        Http.Response info = Http.get(kc.baseUri.resolve("/admin/serverinfo"),
                Map.of("Authorization", "Bearer " + login.string("access_token")));
        Map<String, Object> providers = (Map<String, Object>) info.json().get("providers");
        Map<String, Object> spi = (Map<String, Object>) providers.get("dpop-policy");
        Map<String, Object> provider = (Map<String, Object>) ((Map<String, Object>) spi.get("providers")).get("default");
        return (Map<String, Object>) provider.get("operationalInfo");
    }

    @Test
    void withKeycloaksDpopFeatureDisabledNoUnboundTokenReachesAClientThatRequiresDpop() {
        KeycloakServer kc = KeycloakServer.withDpopFeatureDisabled();
        URI token = kc.tokenEndpoint();

        Http.Response withProof = Http.postForm(token, form("grant_type", "client_credentials"),
                basic("service", "service-secret"), List.of(Proofs.proof(Proofs.ecKey(), "POST", token)));
        Http.Response withoutProof = Http.postForm(token, form("grant_type", "client_credentials"),
                basic("service", "service-secret"), List.of());
        Http.Response optionalClient = Http.postForm(token, form("grant_type", "client_credentials"),
                basic("legacy", "legacy-secret"), List.of());

        for (Http.Response refused : List.of(withProof, withoutProof)) {
            assertEquals(400, refused.status(), refused.toString());
            assertEquals("invalid_dpop_proof", refused.string("error"), refused.toString());
            assertNull(refused.json().get("access_token"));
        }
        assertTrue(withProof.string("error_description").contains("dpop feature is disabled"), withProof.toString());
        assertEquals(200, optionalClient.status(), optionalClient.toString());
        assertTrue(kc.logText().contains("Keycloak's 'dpop' feature is disabled"), kc.logTail());
    }
}
