package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The realm's metadata lists exactly the proof algorithms the realm accepts. The test servers accept
 * {@link KeycloakServer#ALGORITHMS}, fewer than Keycloak could verify; plain Keycloak lists all it could verify.
 */
class DiscoveryIT {

    static final KeycloakServer KC = KeycloakServer.get();

    @ParameterizedTest
    @ValueSource(strings = {".well-known/openid-configuration", ".well-known/oauth-authorization-server"})
    @SuppressWarnings("unchecked")
    void metadataListsExactlyTheAcceptedAlgorithms(String document) {
        Http.Response metadata = Http.get(KC.realmUri(document), Map.of());

        assertEquals(200, metadata.status(), metadata.toString());
        assertEquals(new TreeSet<>(KeycloakServer.ALGORITHMS),
                new TreeSet<>((List<String>) metadata.json().get("dpop_signing_alg_values_supported")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"RS384", "RS512", "PS384", "PS512"})
    void algorithmKeycloakCouldVerifyButThePolicyRefusesIsInvalidDpopProof(String alg) {
        Http.Response response = Http.postForm(KC.tokenEndpoint(), form("grant_type", "client_credentials"),
                basic("service", "service-secret"), List.of(Proofs.proof(Proofs.rsaKey(2048), JWSAlgorithm.parse(alg),
                        "POST", KC.tokenEndpoint())));

        assertEquals(400, response.status(), response.toString());
        assertEquals("invalid_dpop_proof", response.string("error"), response.toString());
        assertTrue(response.string("error_description").contains("use one of"), response.toString());
    }
}
