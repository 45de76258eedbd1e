package io.github.keycloakdpop.provider;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.keycloak.common.util.Time;

/** Keycloak's clock (honours its time offset), so our proof window and Keycloak's re-check read the same time. */
final class KeycloakClock extends Clock {

    static final Clock INSTANCE = new KeycloakClock();

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("Keycloak's clock is UTC");
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(Time.currentTimeMillis());
    }
}
