package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The version guard as an operator meets it: the startup line names the Keycloak release and its tier; on a release
 * the plugin was not tested on, it steps aside by default (Keycloak answers as without the plugin, and says so at
 * every start) or, with {@code untested-keycloak=refuse}, Keycloak does not start. The untested release is the
 * distribution under test reporting 26.8.0 ({@link KeycloakServer#posingAs}); the pom runs this class on the newest
 * tested release only, since it fakes the version anyway.
 */
class VersionGuardIT {

    /** The lines the suite passed on (docs/compatibility.md); another one is under test with untested-keycloak=allow. */
    static final List<String> TESTED_LINES = List.of("26.4", "26.5", "26.7");

    @Test
    void startupLineNamesTheReleaseAndItsTier() {
        KeycloakServer kc = KeycloakServer.get();
        String version = KeycloakServer.version();
        String line = version.substring(0, version.indexOf('.', version.indexOf('.') + 1));
        boolean tested = TESTED_LINES.contains(line) && !version.contains("SNAPSHOT");

        assertTrue(kc.logText().contains("keycloak-dpop: Keycloak " + version
                + (tested ? " (tested line " + line + ")" : line.equals("26.6") ? " is API-checked only" : " is untested")),
                kc.logTail());
        Map<String, Object> info = PluginStartupIT.pluginServerInfo(kc);
        assertEquals(version, info.get("keycloak-version"), info.toString());
        assertEquals(tested ? "tested" : line.equals("26.6") ? "api-checked" : "untested", info.get("keycloak-tier"),
                info.toString());
        assertEquals("true", info.get("active"), info.toString());
    }

    @Test
    void onAnUntestedReleaseThePluginStepsAsideAndSaysSo() {
        KeycloakServer kc = KeycloakServer.posingAs("26.8.0", List.of());
        try {
            assertTrue(kc.logText().contains("keycloak-dpop: Keycloak 26.8.0 is untested"), kc.logTail());
            assertTrue(kc.logText().contains("Keycloak's built-in DPoP alone applies in every realm"), kc.logTail());
            Map<String, Object> info = PluginStartupIT.pluginServerInfo(kc);
            assertEquals("untested", info.get("keycloak-tier"), info.toString());
            assertEquals("false", info.get("active"), info.toString());

            URI token = kc.tokenEndpoint();
            Http.Response bound = Http.postForm(token, form("grant_type", "client_credentials"),
                    basic("service", "service-secret"), List.of(Proofs.proof(Proofs.ecKey(), "POST", token)));
            // a proof for another method: the plugin would answer invalid_dpop_proof, Keycloak alone invalid_request
            Http.Response refused = Http.postForm(token, form("grant_type", "client_credentials"),
                    basic("service", "service-secret"), List.of(Proofs.proof(Proofs.ecKey(), "GET", token)));

            assertEquals(200, bound.status(), bound.toString());
            assertEquals("DPoP", bound.string("token_type"), bound.toString());
            assertEquals(400, refused.status(), refused.toString());
            assertEquals("invalid_request", refused.string("error"), refused.toString());
        } finally {
            kc.stopServer();
        }
    }

    @Test
    void onAnUntestedReleaseWithRefuseKeycloakDoesNotStart() {
        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> KeycloakServer.posingAs(
                "26.8.0", List.of("--spi-dpop-policy--default--untested-keycloak=refuse")).stopServer());

        assertTrue(failed.getMessage().contains("Keycloak 26.8.0 is untested")
                && failed.getMessage().contains("Keycloak does not start"), failed.getMessage());
    }
}
