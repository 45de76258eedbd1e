package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static io.github.keycloakdpop.it.Refusals.assertInvalidProof;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An upgrade on one database keeps everything: a two-node cluster on Keycloak 26.4.7 with the plugin (PostgreSQL,
 * {@code docker/cluster.sh}) is used by clients, then upgraded offline to the newest tested release with the same
 * jar ({@code docker/cluster.sh upgrade}). Afterwards the DPoP-bound sessions made on 26.4 (online and offline, public
 * and pinned confidential) still refresh only with their key, a server nonce handed out by 26.4 is still accepted
 * (the nonce secrets are key providers in the database), and a {@code dpop-policy} profile and the realm's
 * attributes still apply. Runs in the cluster's Failsafe run; needs the 26.4 distribution (not with -DskipOlderITs).
 */
class UpgradeIT {

    static final URI TOKEN = Cluster.publicTokenEndpoint();
    /** Long enough for a nonce to outlive the upgrade (a nonce lives one to two steps). */
    static final int NONCE_STEP_SECONDS = 600;
    static final String POLICY_CLIENT = "upgrade-it-es256-only";

    static final ECKey SPA_KEY = Proofs.ecKey();
    static final ECKey LEGACY_KEY = Proofs.ecKey();
    static final ECKey WALLET_KEY = Proofs.ecKey();

    static Cluster cluster;
    static String spaRefresh;
    static String spaOfflineRefresh;
    static String legacyRefresh;
    static String nonceFrom26_4;

    @BeforeAll
    static void useThePluginOn26_4ThenUpgrade() {
        Path oldest = Path.of(System.getProperty("keycloak.home.oldest", ""));
        Assumptions.assumeTrue(Files.isDirectory(oldest.resolve("bin")),
                "the Keycloak 26.4 distribution is not unpacked (-DskipOlderITs): no upgrade from it to test");
        cluster = Cluster.start(oldest, Path.of(System.getProperty("cluster.dir") + "-upgrade"),
                "--spi-dpop-policy--default--nonce-step=" + NONCE_STEP_SECONDS);
        Cluster.Node a = cluster.a;

        ClusterIT.setRealmAttribute(a, "keycloak-dpop.pin-confidential-clients", "true");
        // a dpop-policy profile for one client, selected by a client role: ES256 proofs only
        assertEquals(201, a.admin("POST", "/clients", Map.of("clientId", POLICY_CLIENT, "secret", "secret",
                "publicClient", false, "serviceAccountsEnabled", true, "standardFlowEnabled", false)).status());
        String uuid = clientUuid(a, POLICY_CLIENT);
        assertEquals(201, a.admin("POST", "/clients/" + uuid + "/roles", Map.of("name", "es256-only")).status());
        assertEquals(204, a.admin("PUT", "/client-policies/profiles", Map.of("profiles", List.of(Map.of(
                "name", "es256-only", "executors", List.of(Map.of("executor", "dpop-policy",
                        "configuration", Map.of("algorithms", List.of("ES256"))))))) ).status());
        assertEquals(204, a.admin("PUT", "/client-policies/policies", Map.of("policies", List.of(Map.of(
                "name", "es256-only-clients", "enabled", true, "profiles", List.of("es256-only"),
                "conditions", List.of(Map.of("condition", "client-roles",
                        "configuration", Map.of("roles", List.of("es256-only")))))))).status());
        assertInvalidProof(policyClientToken(a, rsaProof())); // the policy applies on 26.4

        spaRefresh = bound(SPA_KEY, spaLogin(a, "openid", SPA_KEY)).string("refresh_token");
        spaOfflineRefresh = bound(SPA_KEY, spaLogin(a, "openid offline_access", SPA_KEY)).string("refresh_token");
        legacyRefresh = bound(LEGACY_KEY, a.token(form("grant_type", "password", "username", "alice",
                "password", "alice"), basic("legacy", "legacy-secret"),
                List.of(Proofs.proof(LEGACY_KEY, "POST", TOKEN)))).string("refresh_token");
        Http.Response challenge = walletLogin(a, Proofs.proof(WALLET_KEY, "POST", TOKEN));
        assertEquals("use_dpop_nonce", challenge.string("error"), challenge.toString());
        nonceFrom26_4 = challenge.header("DPoP-Nonce");
        assertNotNull(nonceFrom26_4, challenge.toString());

        cluster.upgrade(Path.of(System.getProperty("keycloak.home")));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.stop();
        }
    }

    @Test
    void publicClientsSessionRefreshesOnlyWithItsKey() {
        assertInvalidProof(refresh(cluster.b, "spa", null, spaRefresh, Proofs.ecKey()));
        bound(SPA_KEY, refresh(cluster.b, "spa", null, spaRefresh, SPA_KEY));
    }

    @Test
    void offlineSessionRefreshesOnlyWithItsKey() {
        assertInvalidProof(refresh(cluster.a, "spa", null, spaOfflineRefresh, Proofs.ecKey()));
        bound(SPA_KEY, refresh(cluster.a, "spa", null, spaOfflineRefresh, SPA_KEY));
    }

    @Test
    void pinnedConfidentialSessionRefreshesOnlyWithItsKey() {
        assertInvalidProof(refresh(cluster.a, "legacy", "legacy-secret", legacyRefresh, Proofs.ecKey()));
        bound(LEGACY_KEY, refresh(cluster.a, "legacy", "legacy-secret", legacyRefresh, LEGACY_KEY));
    }

    @Test
    void aNonceFrom26_4IsStillAccepted() {
        bound(WALLET_KEY, walletLogin(cluster.b, Proofs.proofWithNonce(WALLET_KEY, "POST", TOKEN, nonceFrom26_4)));
    }

    @Test
    void theDpopPolicyProfileStillApplies() {
        assertInvalidProof(policyClientToken(cluster.b, rsaProof()));
        ECKey key = Proofs.ecKey();
        bound(key, policyClientToken(cluster.b, Proofs.proof(key, "POST", TOKEN)));
    }

    static Http.Response spaLogin(Cluster.Node node, String scope, ECKey key) {
        return node.token(form("grant_type", "password", "client_id", "spa", "username", "alice", "password", "alice",
                "scope", scope), null, List.of(Proofs.proof(key, "POST", TOKEN)));
    }

    static Http.Response walletLogin(Cluster.Node node, String proof) {
        return node.token(form("grant_type", "password", "client_id", "wallet", "username", "alice",
                "password", "alice"), null, List.of(proof));
    }

    static Http.Response refresh(Cluster.Node node, String clientId, String secret, String refreshToken, ECKey key) {
        Map<String, String> form = secret == null
                ? form("grant_type", "refresh_token", "client_id", clientId, "refresh_token", refreshToken)
                : form("grant_type", "refresh_token", "refresh_token", refreshToken);
        return node.token(form, secret == null ? null : basic(clientId, secret),
                List.of(Proofs.proof(key, "POST", TOKEN)));
    }

    static Http.Response policyClientToken(Cluster.Node node, String proof) {
        return node.token(form("grant_type", "client_credentials"), basic(POLICY_CLIENT, "secret"), List.of(proof));
    }

    static String rsaProof() {
        RSAKey key = Proofs.rsaKey(2048);
        return Proofs.proof(key, JWSAlgorithm.RS256, "POST", TOKEN);
    }

    static Http.Response bound(ECKey key, Http.Response response) {
        ClusterIT.assertBoundTo(key, response);
        return response;
    }

    @SuppressWarnings("unchecked")
    static String clientUuid(Cluster.Node node, String clientId) {
        Http.Response clients = node.admin("GET", "/clients?clientId=" + clientId, null);
        assertEquals(200, clients.status(), clients.toString());
        try {
            return (String) ((Map<String, Object>) com.nimbusds.jose.util.JSONArrayUtils.parse(clients.body()).get(0))
                    .get("id");
        } catch (java.text.ParseException e) {
            throw new AssertionError(e);
        }
    }
}
