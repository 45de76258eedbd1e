package io.github.keycloakdpop.provider.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class CanonicalDPoPSchemeTest {

    static List<String> canonical(String... values) {
        MultivaluedMap<String, String> headers = new MultivaluedHashMap<>();
        headers.put("Authorization", List.of(values));
        CanonicalDPoPScheme.canonicalize(headers);
        return headers.get("Authorization");
    }

    @Test
    void theSchemeIsWrittenAsKeycloakBefore26_7ComparesIt() {
        assertEquals(List.of("DPoP abc"), canonical("dpop abc"));
        assertEquals(List.of("DPoP abc"), canonical("DPOP abc"));
        assertEquals(List.of("DPoP\tabc"), canonical("dPoP\tabc"));
    }

    @Test
    void everythingElseStaysAsSent() {
        assertEquals(List.of("DPoP abc"), canonical("DPoP abc"));
        assertEquals(List.of("Bearer abc"), canonical("Bearer abc"));
        assertEquals(List.of("dpopx abc"), canonical("dpopx abc"));
        assertEquals(List.of("dpop"), canonical("dpop"));
    }
}
