package io.github.keycloakdpop.provider;

import org.keycloak.provider.ProviderFactory;

public interface DPoPPolicyProviderFactory extends ProviderFactory<DPoPPolicyProvider> {
}
