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
 * proofs accepted, proofs refused by reason, nonce challenges, replays, at the token endpoint and at the resource
 * endpoints (userinfo, account API); labels with fixed values only.
 */
class MetricsIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final URI USERINFO = KC.realmUri("protocol/openid-connect/userinfo");
    static final URI ACCOUNT = KC.realmUri("account");

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

    /**
     * The gate hands a proof over to Keycloak instead of letting Keycloak check it again, except for a client flagged
     * "DPoP bound access tokens" (service), whose proofs Keycloak's built-in check still demands and checks.
     */
    @Test
    void proofsHandedOverToKeycloakAreCounted() {
        String handedOff = "keycloak_dpop_proofs_handed_off_total";
        double before = counter(handedOff, "endpoint=\"token\"");

        Http.Response unflagged = Http.postForm(TOKEN, form("grant_type", "client_credentials"),
                basic("legacy", "legacy-secret"), List.of(Proofs.proof(key, "POST", TOKEN)));
        assertEquals(200, unflagged.status(), unflagged.toString());
        assertEquals(before + 1, counter(handedOff, "endpoint=\"token\""));

        Http.Response flagged = clientCredentials(Proofs.proof(key, "POST", TOKEN));
        assertEquals(200, flagged.status(), flagged.toString());
        assertEquals(before + 1, counter(handedOff, "endpoint=\"token\""));
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(unflagged.string("access_token")));
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(flagged.string("access_token")));
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
    void proofsAtUserinfoAreCountedUnderItsOwnLabel() {
        String token = ResourceClient.boundAccessToken(key);
        String userinfo = "endpoint=\"userinfo\"";
        String wrongMethod = userinfo + ",reason=\"htm\"";
        String otherKey = userinfo + ",reason=\"token\"";
        double accepted = counter("keycloak_dpop_proofs_accepted_total", userinfo);
        double wrongMethods = counter("keycloak_dpop_proofs_rejected_total", wrongMethod);
        double otherKeys = counter("keycloak_dpop_proofs_rejected_total", otherKey);
        double replays = counter("keycloak_dpop_replays_blocked_total", userinfo);
        double atTheTokenEndpoint = counter("keycloak_dpop_proofs_accepted_total", "endpoint=\"token\"");

        String proof = Proofs.proof(key, "GET", USERINFO, token);
        assertEquals(200, ResourceClient.get(USERINFO, "DPoP " + token, proof).status());
        assertEquals(401, ResourceClient.get(USERINFO, "DPoP " + token, proof).status());
        assertEquals(401, ResourceClient.get(USERINFO, "DPoP " + token,
                Proofs.proof(key, "POST", USERINFO, token)).status());
        assertEquals(401, ResourceClient.dpopGet(USERINFO, token, Proofs.ecKey()).status());

        assertEquals(accepted + 1, counter("keycloak_dpop_proofs_accepted_total", userinfo));
        assertEquals(wrongMethods + 1, counter("keycloak_dpop_proofs_rejected_total", wrongMethod));
        assertEquals(otherKeys + 1, counter("keycloak_dpop_proofs_rejected_total", otherKey));
        assertEquals(replays + 1, counter("keycloak_dpop_replays_blocked_total", userinfo));
        assertEquals(atTheTokenEndpoint, counter("keycloak_dpop_proofs_accepted_total", "endpoint=\"token\""));
    }

    @Test
    void proofsAtTheAccountApiAreCountedUnderItsOwnLabel() {
        String token = ResourceClient.boundAccessToken(key);
        String account = "endpoint=\"account\"";
        String missingProof = account + ",reason=\"header\"";
        double accepted = counter("keycloak_dpop_proofs_accepted_total", account);
        double missing = counter("keycloak_dpop_proofs_rejected_total", missingProof);

        Http.Response profile = AccountApiIT.get(ACCOUNT, "DPoP " + token, Proofs.proof(key, "GET", ACCOUNT, token));
        assertEquals(200, profile.status(), profile.toString());
        assertEquals(401, AccountApiIT.get(ACCOUNT, "DPoP " + token).status());

        assertEquals(accepted + 1, counter("keycloak_dpop_proofs_accepted_total", account));
        assertEquals(missing + 1, counter("keycloak_dpop_proofs_rejected_total", missingProof));
    }

    @Test
    void nonceChallengesAtUserinfoAreCounted() {
        String token = ResourceClient.boundAccessToken(key);
        double challenges = counter("keycloak_dpop_nonce_challenges_total", "endpoint=\"userinfo\"");
        Admin.setRealmAttribute("keycloak-dpop.resource-nonce", "always");
        try {
            Http.Response response = ResourceClient.dpopGet(USERINFO, token, key);

            assertEquals("use_dpop_nonce", response.string("error"), response.toString());
            assertEquals(challenges + 1, counter("keycloak_dpop_nonce_challenges_total", "endpoint=\"userinfo\""));
        } finally {
            Admin.setRealmAttribute("keycloak-dpop.resource-nonce", null);
        }
    }

    @Test
    void labelsNeverCarryWhatTheCallerSent() {
        String marker = "caller-marker-" + System.nanoTime();
        Http.Response response = Http.postForm(TOKEN, form("grant_type", "client_credentials", "client_id", marker),
                null, List.of(Proofs.crafted(key, "POST", TOKEN, c -> c.claim("htu", "https://" + marker + "/"))));
        assertEquals(400, response.status(), response.toString());
        String token = ResourceClient.boundAccessToken(key);
        Http.Response atUserinfo = ResourceClient.get(USERINFO, "DPoP " + token,
                Proofs.crafted(key, "GET", USERINFO, c -> c.claim("htu", "https://" + marker + "/")));
        assertEquals(401, atUserinfo.status(), atUserinfo.toString());

        String metrics = Http.get(KC.managementUri.resolve("/metrics"), Map.of()).body();
        assertFalse(metrics.contains(marker));
    }
}
