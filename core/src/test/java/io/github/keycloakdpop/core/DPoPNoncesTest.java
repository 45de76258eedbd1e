package io.github.keycloakdpop.core;

import static io.github.keycloakdpop.core.DPoPNonces.Check.CURRENT;
import static io.github.keycloakdpop.core.DPoPNonces.Check.INVALID;
import static io.github.keycloakdpop.core.DPoPNonces.Check.VALID_RENEW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class DPoPNoncesTest {

    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final byte[] OLD_SECRET = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
    static final Duration STEP = Duration.ofSeconds(60);
    static final Instant T0 = Instant.parse("2026-11-25T10:00:10Z");

    static DPoPNonces at(Instant now) {
        return new DPoPNonces(STEP, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void nonceOfTheCurrentStepIsCurrent() {
        String nonce = at(T0).issue(SECRET, "realm/as");

        assertEquals(CURRENT, at(T0.plusSeconds(30)).check(nonce, List.of(SECRET), "realm/as"));
    }

    @Test
    void anotherServerWithTheSameSecretAcceptsIt() {
        // Two nodes share nothing but the realm's secret (and a clock).
        String nonce = new DPoPNonces(STEP, Clock.fixed(T0, ZoneOffset.UTC)).issue(SECRET, "realm/as");

        assertEquals(CURRENT, new DPoPNonces(STEP, Clock.fixed(T0.plusSeconds(5), ZoneOffset.UTC))
                .check(nonce, List.of(SECRET.clone()), "realm/as"));
    }

    @Test
    void nonceOfThePreviousStepIsValidButRenewed() {
        String nonce = at(T0).issue(SECRET, "realm/as");

        assertEquals(VALID_RENEW, at(T0.plus(STEP)).check(nonce, List.of(SECRET), "realm/as"));
    }

    @Test
    void nonceTwoStepsOldIsInvalid() {
        String nonce = at(T0).issue(SECRET, "realm/as");

        assertEquals(INVALID, at(T0.plus(STEP.multipliedBy(2))).check(nonce, List.of(SECRET), "realm/as"));
    }

    @Test
    void nonceFromTheFutureIsInvalid() {
        String nonce = at(T0.plus(STEP)).issue(SECRET, "realm/as");

        assertEquals(INVALID, at(T0).check(nonce, List.of(SECRET), "realm/as"));
    }

    @Test
    void nonceOfARotatedOutSecretIsValidButRenewedUntilItExpires() {
        String nonce = at(T0).issue(OLD_SECRET, "realm/as");

        assertEquals(VALID_RENEW, at(T0).check(nonce, List.of(SECRET, OLD_SECRET), "realm/as"));
        assertEquals(INVALID, at(T0).check(nonce, List.of(SECRET), "realm/as"));
        assertEquals(INVALID, at(T0.plus(STEP.multipliedBy(2))).check(nonce, List.of(SECRET, OLD_SECRET), "realm/as"));
    }

    @Test
    void nonceOfAnotherScopeIsInvalid() {
        String asNonce = at(T0).issue(SECRET, "realm/as");

        assertEquals(INVALID, at(T0).check(asNonce, List.of(SECRET), "realm/rs"));
        assertEquals(INVALID, at(T0).check(asNonce, List.of(SECRET), "other-realm/as"));
    }

    @Test
    void forgedAndMalformedNoncesAreInvalid() {
        String nonce = at(T0).issue(SECRET, "realm/as");
        char last = nonce.charAt(nonce.length() - 2);
        String flipped = nonce.substring(0, nonce.length() - 2) + (last == 'A' ? 'B' : 'A') + nonce.charAt(nonce.length() - 1);

        for (String bad : new String[] {null, "", "x", flipped, nonce + "A", nonce.substring(1),
                "********************************", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
            assertEquals(INVALID, at(T0).check(bad, List.of(SECRET), "realm/as"), String.valueOf(bad));
        }
        assertEquals(INVALID, at(T0).check(nonce, List.of(), "realm/as"));
    }

    @Test
    void noncesAreUnpredictableAcrossSecretsAndSteps() {
        assertNotEquals(at(T0).issue(SECRET, "realm/as"), at(T0).issue(OLD_SECRET, "realm/as"));
        assertNotEquals(at(T0).issue(SECRET, "realm/as"), at(T0.plus(STEP)).issue(SECRET, "realm/as"));
        assertEquals(32, at(T0).issue(SECRET, "realm/as").length());
    }

    @Test
    void stepMustBeAtLeastOneSecond() {
        assertThrows(IllegalArgumentException.class, () -> new DPoPNonces(Duration.ofMillis(500), Clock.systemUTC()));
    }
}
