package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The plugin's counters in Keycloak's Prometheus endpoint ({@code /metrics} on the management port, metrics enabled):
 * proofs accepted, proofs refused by reason, nonce challenges, replays; labels with fixed values only.
 */
class MetricsIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();

    final ECKey key = Proofs.ecKey();

    static double counter(String name, String labels) {
        String metrics = Http.get(KC.managementUri.resolve("/metrics"), Map.of()).body();
        Matcher line = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} ([0-9.eE+-]+)$").matcher(metrics);
        double total = 0;
        while (line.find()) {
            if (List.of(line.group(1).split(",")).containsAll(List.of(labels.split(",")))) {
                total += Double.parseDouble(line.group(2));
            }
        }
        return total;
    }

    static Http.Response clientCredentials(String proof) {
        return Http.postForm(TOKEN, form("grant_type", "client_credentials"), basic("service", "service-secret"),
                List.of(proof));
    }

    @Test
    void acceptedRefusedAndReplayedProofsAreCounted() {
        double accepted = counter("keycloak_dpop_proofs_accepted_total", "endpoint=\"token\"");
        double wrongMethod = counter("keycloak_dpop_proofs_rejected_total", "endpoint=\"token\",reason=\"htm\"");
        double replays = counter("keycloak_dpop_replays_blocked_total", "endpoint=\"token\"");

        String proof = Proofs.proof(key, "POST", TOKEN);
        assertEquals(200, clientCredentials(proof).status());
        assertEquals(400, clientCredentials(proof).status());
        assertEquals(400, clientCredentials(Proofs.proof(key, "GET", TOKEN)).status());

        assertEquals(accepted + 1, counter("keycloak_dpop_proofs_accepted_total", "endpoint=\"token\""));
        assertEquals(wrongMethod + 1, counter("keycloak_dpop_proofs_rejected_total", "endpoint=\"token\",reason=\"htm\""));
        assertEquals(replays + 1, counter("keycloak_dpop_replays_blocked_total", "endpoint=\"token\""));
    }

    @Test
    void nonceChallengesAreCounted() {
        double challenges = counter("keycloak_dpop_nonce_challenges_total", "endpoint=\"token\"");

        Http.Response response = Http.postForm(TOKEN, form("grant_type", "password", "client_id", "wallet",
                "username", "alice", "password", "alice"), null, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals("use_dpop_nonce", response.string("error"), response.toString());
        assertEquals(challenges + 1, counter("keycloak_dpop_nonce_challenges_total", "endpoint=\"token\""));
    }

    @Test
    void labelsNeverCarryWhatTheCallerSent() {
        String marker = "caller-marker-" + System.nanoTime();
        Http.Response response = Http.postForm(TOKEN, form("grant_type", "client_credentials", "client_id", marker),
                null, List.of(Proofs.crafted(key, "POST", TOKEN, c -> c.claim("htu", "https://" + marker + "/"))));
        assertEquals(400, response.status(), response.toString());

        String metrics = Http.get(KC.managementUri.resolve("/metrics"), Map.of()).body();
        assertFalse(metrics.contains(marker));
    }
}
