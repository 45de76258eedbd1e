package io.github.keycloakdpop.provider.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.keycloak.services.util.DPoPUtil;

/** The assumptions of {@link KeycloakInternals}, against the API the provider compiles against. */
class KeycloakInternalsTest {

    @Test
    void theRecheckWindowIsKeycloaksOwn() {
        assertEquals(Duration.ofSeconds(DPoPUtil.DEFAULT_PROOF_LIFETIME + DPoPUtil.DEFAULT_ALLOWED_CLOCK_SKEW),
                KeycloakInternals.recheckPast());
        assertEquals(Duration.ofSeconds(DPoPUtil.DEFAULT_ALLOWED_CLOCK_SKEW), KeycloakInternals.recheckFuture());
        assertEquals(Duration.ofSeconds(25), KeycloakInternals.recheckPast());
    }

    @Test
    void theReplayKeyIsTheHexSha1OfJtiLineFeedHtu() {
        // printf 'abc\nhttps://as.example/token' | sha1sum
        assertEquals("be6f35355a64ef2a1c712440897a7a7ac48fb821",
                KeycloakInternals.replayKey("abc", "https://as.example/token"));
    }
}
