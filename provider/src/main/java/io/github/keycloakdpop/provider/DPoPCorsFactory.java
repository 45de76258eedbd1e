package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.provider.keycloak.VersionGuard;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.EnvironmentDependentProviderFactory;
import org.keycloak.services.cors.Cors;
import org.keycloak.services.cors.CorsFactory;
import org.keycloak.services.cors.DefaultCorsFactory;

/**
 * Keycloak's CORS handling with the DPoP response headers exposed, so a browser application can read
 * {@code DPoP-Nonce} (to answer a {@code use_dpop_nonce} challenge) and {@code WWW-Authenticate}: Keycloak exposes
 * neither. With {@link #order()} above zero this factory becomes Keycloak's default CORS provider; it creates
 * Keycloak's own {@code DefaultCors}, configured as the built-in factory is ({@code --spi-cors--default--...}).
 * Keycloak already accepts the {@code DPoP} request header in preflights.
 */
public class DPoPCorsFactory implements CorsFactory, EnvironmentDependentProviderFactory {

    static final String[] DPOP_RESPONSE_HEADERS = {NonceChallenge.HEADER, "WWW-Authenticate"};

    private final DefaultCorsFactory keycloaks = new DefaultCorsFactory();

    @Override
    public Cors create(KeycloakSession session) {
        return keycloaks.create(session).exposedHeaders(DPOP_RESPONSE_HEADERS);
    }

    @Override
    public void init(Config.Scope config) {
        keycloaks.init(Config.scope("cors", "default"));
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    /** Not where the version guard steps the plugin aside: Keycloak's own CORS factory serves then. */
    @Override
    public boolean isSupported(Config.Scope config) {
        return VersionGuard.active();
    }

    @Override
    public int order() {
        return 1;
    }

    @Override
    public String getId() {
        return "dpop";
    }

    @Override
    public void close() {
    }
}
