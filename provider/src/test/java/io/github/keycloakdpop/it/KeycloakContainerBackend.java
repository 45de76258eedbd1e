package io.github.keycloakdpop.it;

import dasniko.testcontainers.keycloak.KeycloakContainer;
import java.io.File;
import java.net.URI;
import java.util.List;
import org.testcontainers.Testcontainers;

/**
 * The alternative backend for machines with Docker: Keycloak's official container image (same version) with the
 * plugin jar and the demo realm, via testcontainers-keycloak. Selected with {@code -Dkeycloak.backend=testcontainers};
 * the default backend (the distribution from Maven Central) needs no Docker.
 */
final class KeycloakContainerBackend {

    private KeycloakContainerBackend() {
    }

    static KeycloakServer start(List<String> disabledFeatures) {
        boolean plugin = Boolean.parseBoolean(System.getProperty("keycloak.plugin", "true"));
        CibaChannel ciba = CibaChannel.start();
        Testcontainers.exposeHostPorts(ciba.uri().getPort());
        String cibaFromContainer = ciba.uri().toString().replace(ciba.uri().getHost(), "host.testcontainers.internal");
        KeycloakContainer container = new KeycloakContainer("quay.io/keycloak/keycloak:"
                + System.getProperty("keycloak.version", "26.7.3"))
                .withRealmImportFile("dpop-demo-realm.json")
                .withAdminUsername("admin").withAdminPassword("admin").withEnabledMetrics()
                .withFeaturesDisabled(disabledFeatures.toArray(String[]::new))
                .withEnv("KC_LOG_LEVEL", "INFO,io.github.keycloakdpop:DEBUG")
                .withEnv("KC_SPI_DPOP_POLICY__DEFAULT__MAX_AGE", disabledFeatures.isEmpty() ? "10" : "5")
                .withEnv("KC_SPI_DPOP_POLICY__DEFAULT__NONCE_STEP", String.valueOf(KeycloakServer.NONCE_STEP_SECONDS))
                .withEnv("KC_SPI_DPOP_POLICY__DEFAULT__ALGORITHMS", String.join(",", KeycloakServer.ALGORITHMS))
                .withEnv("KC_SPI_DPOP_POLICY__DEFAULT__OFF_REALMS", KeycloakServer.OFF_REALM)
                .withEnv("KC_SPI_CIBA_AUTH_CHANNEL__CIBA_HTTP_AUTH_CHANNEL__HTTP_AUTHENTICATION_CHANNEL_URI",
                        cibaFromContainer);
        if (plugin) {
            container.withProviderLibsFrom(List.of(new File(System.getProperty("keycloak.pluginJar"))));
        }
        container.start();
        URI base = URI.create(container.getAuthServerUrl().replaceAll("/?$", "/"));
        URI management = URI.create(container.getMgmtServerUrl().replaceAll("/?$", "/"));
        return new KeycloakServer(base, management, plugin, ciba, container::getLogs, container::stop);
    }
}
