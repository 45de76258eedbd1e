package io.github.keycloakdpop.provider;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.github.keycloakdpop.core.ProofPolicy;
import io.github.keycloakdpop.provider.keycloak.ClientPolicyExecutors;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
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
 * authenticated client (from 26.6 on through Keycloak's policy engine; before, the plugin reads the configuration).
 */
public class DPoPPolicyExecutorFactory implements ClientPolicyExecutorProviderFactory {

    public static final String ID = "dpop-policy";
    static final String REQUIRE_NONCE = "require-nonce";
    static final String PIN_CONFIDENTIAL_CLIENTS = "pin-confidential-clients";
    static final String ALGORITHMS = "algorithms";
    static final String MAX_AGE = "max-age";
    static final String CLOCK_SKEW = "clock-skew";

    /**
     * The executor's settings, as the admin console stores them. Empty proof settings keep the server's; set ones can
     * only narrow it, because the proof is checked against the server-wide policy before the client is known.
     */
    public static class Configuration extends ClientPolicyExecutorConfigurationRepresentation {
        @JsonProperty(REQUIRE_NONCE)
        public Boolean requireNonce;
        @JsonProperty(PIN_CONFIDENTIAL_CLIENTS)
        public Boolean pinConfidentialClients;
        @JsonProperty(ALGORITHMS)
        public List<String> algorithms;
        @JsonProperty(MAX_AGE)
        public String maxAge;
        @JsonProperty(CLOCK_SKEW)
        public String clockSkew;

        /** Keycloak's own check on save (and on import), which can only answer yes or no; see {@link PolicyConfigGate}. */
        @Override
        public boolean validateConfig() {
            return problems(this, DefaultDPoPPolicyProviderFactory.serverPolicy()).isEmpty();
        }

        /** The algorithms chosen, or null for the server's. */
        List<String> chosenAlgorithms() {
            return algorithms == null || algorithms.stream().allMatch(a -> a == null || a.isBlank()) ? null
                    : algorithms.stream().filter(a -> a != null && !a.isBlank()).map(String::trim).toList();
        }

        /** A whole number of seconds, null when left empty; a non-number is reported by {@link #problems}. */
        static Integer seconds(String value) {
            if (value == null || value.isBlank()) {
                return null;
            }
            try {
                return Integer.valueOf(value.trim());
            } catch (NumberFormatException e) {
                return Integer.MIN_VALUE;
            }
        }
    }

    /**
     * Why a configuration cannot be honoured, in words an admin can act on; empty when it can. The proof window may
     * only narrow the server's (set by {@code --spi-dpop-policy--default--max-age} and {@code --clock-skew}, which
     * Keycloak's own re-check bounds), and only algorithms the server accepts can be chosen.
     */
    static List<String> problems(Configuration config, ProofPolicy server) {
        List<String> problems = new ArrayList<>();
        List<String> algorithms = config.chosenAlgorithms();
        if (algorithms != null) {
            List<String> unknown = algorithms.stream().filter(a -> !server.allowedAlgorithms().contains(a)).toList();
            if (!unknown.isEmpty()) {
                problems.add("DPoP policy: this server does not accept proofs signed with " + String.join(", ", unknown)
                        + "; choose among " + String.join(", ", new TreeSet<>(server.allowedAlgorithms()))
                        + " (the server-wide list is set by --spi-dpop-policy--default--algorithms)");
            }
        }
        window(problems, "maximum proof age", Configuration.seconds(config.maxAge), 1, server.maxAge().toSeconds(),
                "--spi-dpop-policy--default--max-age");
        window(problems, "clock skew", Configuration.seconds(config.clockSkew), 0, server.clockSkew().toSeconds(),
                "--spi-dpop-policy--default--clock-skew");
        return problems;
    }

    private static void window(List<String> problems, String what, Integer seconds, long min, long max, String option) {
        if (seconds == null) {
            return;
        }
        if (seconds == Integer.MIN_VALUE) {
            problems.add("DPoP policy: the " + what + " must be a whole number of seconds");
        } else if (seconds < min || seconds > max) {
            problems.add("DPoP policy: the " + what + " must be between " + min + " and " + max + " seconds, not "
                    + seconds + ". Proofs are checked against the server-wide value (" + option + ") before the client "
                    + "is known, so a policy can only narrow it; the server-wide value itself is bounded by Keycloak's "
                    + "own re-check of every proof");
        }
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
            if (context instanceof ClientPolicyExecutors.Lookup lookup) {
                lookup.found(configuration);
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
        return "dpopPolicyExecutorHelp";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        ProviderConfigProperty algorithms = new ProviderConfigProperty(ALGORITHMS, "dpopPolicyAlgorithms",
                "dpopPolicyAlgorithmsHelp", ProviderConfigProperty.MULTIVALUED_LIST_TYPE, null);
        algorithms.setOptions(new ArrayList<>(new TreeSet<>(DefaultDPoPPolicyProviderFactory.serverPolicy().allowedAlgorithms())));
        return List.of(
                new ProviderConfigProperty(REQUIRE_NONCE, "dpopPolicyRequireNonce", "dpopPolicyRequireNonceHelp",
                        ProviderConfigProperty.BOOLEAN_TYPE, false),
                new ProviderConfigProperty(PIN_CONFIDENTIAL_CLIENTS, "dpopPolicyPinConfidentialClients",
                        "dpopPolicyPinConfidentialClientsHelp", ProviderConfigProperty.BOOLEAN_TYPE, false),
                algorithms,
                new ProviderConfigProperty(MAX_AGE, "dpopPolicyMaxAge", "dpopPolicyMaxAgeHelp",
                        ProviderConfigProperty.STRING_TYPE, null),
                new ProviderConfigProperty(CLOCK_SKEW, "dpopPolicyClockSkew", "dpopPolicyClockSkewHelp",
                        ProviderConfigProperty.STRING_TYPE, null));
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
