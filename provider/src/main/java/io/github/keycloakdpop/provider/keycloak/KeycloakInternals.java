package io.github.keycloakdpop.provider.keycloak;

import java.nio.charset.Charset;
import java.time.Duration;
import java.util.HexFormat;
import org.keycloak.jose.jws.crypto.HashUtils;

/**
 * What the plugin assumes about Keycloak's built-in DPoP code beyond its public SPIs, each in one place with the
 * releases it was found to hold for (26.4.7, 26.5.6, 26.7.3, and 26.6.3 by source). A release that breaks one is
 * caught by the integration suite run against it ({@code -Dkeycloak.test.newest=<version>}); the re-check window is
 * read from the running Keycloak at startup instead of assumed.
 */
public final class KeycloakInternals {

    private KeycloakInternals() {
    }

    /**
     * The single-use entry Keycloak's proof check makes ({@code DPoPUtil.DPoPReplayCheck}): the hex SHA-1 of
     * {@code jti}, a line feed and {@code htu} as sent, string bytes in the platform charset as there.
     * {@code TokenEndpointProofIT.replayIsRefusedBeforeClientAuthentication} fails if a release changes it.
     */
    public static String replayKey(String jti, String htu) {
        byte[] entry = (jti + "\n" + htu).getBytes(Charset.defaultCharset());
        return HexFormat.of().formatHex(HashUtils.hash("SHA1", entry));
    }

    /**
     * How far back Keycloak's re-check accepts a proof's {@code iat}: {@code DPoPUtil.DEFAULT_PROOF_LIFETIME} plus
     * {@code DEFAULT_ALLOWED_CLOCK_SKEW} (10 + 15 s in every tested release), read from the running Keycloak.
     */
    public static Duration recheckPast() {
        return Duration.ofSeconds(dpopUtilConstant("DEFAULT_PROOF_LIFETIME", 10)
                + dpopUtilConstant("DEFAULT_ALLOWED_CLOCK_SKEW", 15));
    }

    /** How far ahead Keycloak's re-check accepts a proof's {@code iat}: {@code DEFAULT_ALLOWED_CLOCK_SKEW}. */
    public static Duration recheckFuture() {
        return Duration.ofSeconds(dpopUtilConstant("DEFAULT_ALLOWED_CLOCK_SKEW", 15));
    }

    /** Reflection: the compiler would inline the constant of the API compiled against, not the running release's. */
    private static int dpopUtilConstant(String name, int fallback) {
        try {
            return Class.forName("org.keycloak.services.util.DPoPUtil", false, KeycloakInternals.class.getClassLoader())
                    .getField(name).getInt(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return fallback;
        }
    }

    /**
     * Keycloak's {@code error_description}s for its DPoP refusals at the token, logout and revocation endpoints
     * ({@code DPoPUtil}, {@code TokenManager}, {@code StandardTokenExchangeProvider}, {@code AuthorizationEndpointChecker}),
     * the same in every tested release; the plugin matches them to answer with the RFC's error. The tests of each
     * refusal ({@code KeycloakErrorTranslator}'s cases in {@code GrantsIT}, {@code AuthorizationCodeIT},
     * {@code TokenExchangeGrantIT}, {@code LogoutIT}) fail if a release rewords one.
     */
    public static final class Descriptions {
        public static final String PROOF_MISSING = "DPoP proof is missing";
        public static final String KEY_MISMATCH = "DPoP confirmation doesn't match DPoP proof";
        public static final String REPLAY = "DPoP proof has already been used";
        public static final String CODE_PROOF_MISSING = "DPoP Proof missing";
        public static final String CODE_KEY_MISMATCH = "DPoP Proof public key thumbprint does not match dpop_jkt";
        public static final String PAR_KEY_MISMATCH = "DPoP Proof public key thumbprint does not match dpop_jkt.";

        private Descriptions() {
        }
    }
}
