package io.github.keycloakdpop.provider;

import org.keycloak.provider.Provider;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.provider.Spi;

/**
 * The plugin's own SPI, {@code dpop-policy}: its provider answers "which proof policy applies here", and its factory
 * holds the server-wide defaults ({@code --spi-dpop-policy--default--<option>}).
 */
public class DPoPPolicySpi implements Spi {

    @Override
    public boolean isInternal() {
        return false;
    }

    @Override
    public String getName() {
        return "dpop-policy";
    }

    @Override
    public Class<? extends Provider> getProviderClass() {
        return DPoPPolicyProvider.class;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Class<? extends ProviderFactory> getProviderFactoryClass() {
        return DPoPPolicyProviderFactory.class;
    }
}
