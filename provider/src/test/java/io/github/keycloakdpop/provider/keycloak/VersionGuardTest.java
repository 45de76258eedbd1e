package io.github.keycloakdpop.provider.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.keycloakdpop.provider.keycloak.VersionGuard.Decision;
import io.github.keycloakdpop.provider.keycloak.VersionGuard.Mode;
import io.github.keycloakdpop.provider.keycloak.VersionGuard.Tier;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VersionGuardTest {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "26.4.7, TESTED",
            "26.4.0, TESTED",
            "26.5.6, TESTED",
            "26.7.3, TESTED",
            "26.4.7.redhat-00001, TESTED", // a vendor build of a tested line
            "26.4.7-redhat-00001, TESTED",
            "26.6.3, API_CHECKED",
            "26.8.0, UNTESTED",
            "26.3.5, UNTESTED",
            "27.0.0, UNTESTED",
            "25.0.6, UNTESTED",
            "26.7.0-SNAPSHOT, UNTESTED", // a snapshot is not the release's code
            "999.0.0-SNAPSHOT, UNTESTED", // the nightly build
            "nightly, UNTESTED",
            "'', UNTESTED",
    })
    void tierOfAVersionString(String version, Tier tier) {
        assertEquals(tier, VersionGuard.tier(KeycloakVersion.parse(version)));
    }

    @Test
    void versionStringsAreParsedToMajorAndMinor() {
        assertEquals(new KeycloakVersion(26, 4, "26.4.7.redhat-00001"), KeycloakVersion.parse("26.4.7.redhat-00001"));
        assertEquals("26.5", KeycloakVersion.parse("26.5.6").minorLine());
        assertTrue(KeycloakVersion.parse("999.0.0-SNAPSHOT").snapshot());
        assertFalse(KeycloakVersion.parse("garbage").known());
        assertFalse(KeycloakVersion.parse(null).known());
    }

    @Test
    void testedLinesRunQuietly() {
        Decision decision = VersionGuard.decide(KeycloakVersion.parse("26.5.6"), Mode.BUILTIN_ONLY, List.of());

        assertTrue(decision.active());
        assertFalse(decision.refuse());
        assertFalse(decision.error());
        assertTrue(decision.message().contains("Keycloak 26.5.6 (tested line 26.5)"), decision.message());
    }

    @Test
    void apiCheckedLineRunsWithAWarningWhateverTheMode() {
        for (Mode mode : Mode.values()) {
            Decision decision = VersionGuard.decide(KeycloakVersion.parse("26.6.3"), mode, List.of());

            assertTrue(decision.active(), mode.name());
            assertFalse(decision.refuse());
            assertTrue(decision.error());
            assertTrue(decision.message().contains("API-checked only"), decision.message());
        }
    }

    @Test
    void untestedReleaseStepsAsideByDefault() {
        Decision decision = VersionGuard.decide(KeycloakVersion.parse("26.8.0"), Mode.parse(null), List.of());

        assertEquals(Mode.BUILTIN_ONLY, decision.mode());
        assertFalse(decision.active());
        assertFalse(decision.refuse());
        assertTrue(decision.error());
        assertTrue(decision.message().contains("26.8.0 is untested"), decision.message());
        assertTrue(decision.message().contains("built-in DPoP alone"), decision.message());
    }

    @Test
    void untestedReleaseWithRefuseOrAllow() {
        Decision refused = VersionGuard.decide(KeycloakVersion.parse("27.0.0"), Mode.parse("refuse"), List.of());
        Decision allowed = VersionGuard.decide(KeycloakVersion.parse("27.0.0"), Mode.parse(" Allow "), List.of());

        assertTrue(refused.refuse());
        assertFalse(refused.active());
        assertTrue(allowed.active());
        assertFalse(allowed.refuse());
        assertTrue(allowed.error());
    }

    @Test
    void missingApiStepsThePluginAsideEvenOnATestedLine() {
        Decision decision = VersionGuard.decide(KeycloakVersion.parse("26.7.3"), Mode.ALLOW,
                List.of("org.keycloak.services.util.DPoPUtil.DPOP_SESSION_ATTRIBUTE"));

        assertFalse(decision.active());
        assertFalse(decision.refuse());
        assertTrue(decision.message().contains("DPOP_SESSION_ATTRIBUTE"), decision.message());
        assertTrue(VersionGuard.decide(KeycloakVersion.parse("26.7.3"), Mode.REFUSE, List.of("x")).refuse());
    }

    @Test
    void unknownModeIsAStartupError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mode.parse("yes"));
        assertTrue(e.getMessage().contains("refuse, builtin-only or allow"), e.getMessage());
    }
}
