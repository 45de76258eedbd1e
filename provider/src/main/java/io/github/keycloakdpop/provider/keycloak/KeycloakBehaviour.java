package io.github.keycloakdpop.provider.keycloak;

/**
 * What Keycloak's own DPoP code does differently by release, where no API tells (found by the integration suite on
 * each tested release; README, "Compatibility"). A release newer than the newest tested one is assumed to behave as
 * that one.
 */
public final class KeycloakBehaviour {

    private KeycloakBehaviour() {
    }

    /**
     * Whether Keycloak refuses implicit and hybrid response types for a client that requires DPoP (26.7 on,
     * {@code AuthorizationEndpointChecker}); before, it issues such a client unbound tokens through the front channel.
     */
    public static boolean refusesFrontChannelTokensForDPoPClients() {
        return atLeast(26, 7);
    }

    /**
     * Whether Keycloak's own proof check drops a fragment of {@code htu} before comparing it with the request URI, as
     * RFC 9449 §4.3 says (26.7 on, {@code DPoPUtil.normalize}); before, it keeps it and refuses such a proof.
     */
    public static boolean recheckDropsHtuFragment() {
        return atLeast(26, 7);
    }

    static boolean atLeast(int major, int minor) {
        KeycloakVersion running = VersionGuard.current().version();
        return !running.known() || running.major() > major || running.major() == major && running.minor() >= minor;
    }
}
