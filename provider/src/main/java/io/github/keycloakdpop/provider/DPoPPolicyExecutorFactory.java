package io.github.keycloakdpop.provider;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.representations.idm.ClientPolicyExecutorConfigurationRepresentation;
import org.keycloak.services.clientpolicy.ClientPolicyContext;
import org.keycloak.services.clientpolicy.executor.ClientPolicyExecutorProvider;
import org.keycloak.services.clientpolicy.executor.ClientPolicyExecutorProviderFactory;

/**
 * The client-policy executor {@code dpop-policy}: per-client DPoP settings in the admin console (Realm settings →
 * Client policies → Profiles → Add executor), applied to the clients that Keycloak's client-policy conditions select.
 * It acts on no Keycloak event; it only answers {@link DPoPPolicyLookup}, which the plugin sends once it knows the
 * authenticated client.
 */
public class DPoPPolicyExecutorFactory implements ClientPolicyExecutorProviderFactory {

    public static final String ID = "dpop-policy";
    static final String REQUIRE_NONCE = "require-nonce";
    static final String PIN_CONFIDENTIAL_CLIENTS = "pin-confidential-clients";

    /** The executor's settings, as the admin console stores them. */
    public static class Configuration extends ClientPolicyExecutorConfigurationRepresentation {
        @JsonProperty(REQUIRE_NONCE)
        public Boolean requireNonce;
        @JsonProperty(PIN_CONFIDENTIAL_CLIENTS)
        public Boolean pinConfidentialClients;
    }

    static final class Executor implements ClientPolicyExecutorProvider<Configuration> {

        private Configuration configuration = new Configuration();

        @Override
        public void setupConfiguration(Configuration config) {
            this.configuration = config;
        }

        @Override
        public Class<Configuration> getExecutorConfigurationClass() {
            return Configuration.class;
        }

        @Override
        public void executeOnEvent(ClientPolicyContext context) {
            if (context instanceof DPoPPolicyLookup lookup) {
                lookup.add(Boolean.TRUE.equals(configuration.requireNonce),
                        Boolean.TRUE.equals(configuration.pinConfidentialClients));
            }
        }

        @Override
        public String getProviderId() {
            return ID;
        }
    }

    @Override
    public ClientPolicyExecutorProvider create(KeycloakSession session) {
        return new Executor();
    }

    @Override
    public String getHelpText() {
        return "keycloak-dpop: DPoP (RFC 9449) settings for the clients this policy applies to.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of(
                new ProviderConfigProperty(REQUIRE_NONCE, "Require DPoP nonces",
                        "If on, these clients' DPoP proofs must carry a server nonce (RFC 9449 §8): a token or pushed "
                                + "authorization request without a current nonce is answered use_dpop_nonce with a fresh "
                                + "one in the DPoP-Nonce header.",
                        ProviderConfigProperty.BOOLEAN_TYPE, false),
                new ProviderConfigProperty(PIN_CONFIDENTIAL_CLIENTS, "Pin refreshes to the session key",
                        "If on, a confidential client must refresh a DPoP session with a proof of the key its first "
                                + "DPoP token was bound to (public clients always must). RFC 9449 §5 allows either.",
                        ProviderConfigProperty.BOOLEAN_TYPE, false));
    }

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }
}
