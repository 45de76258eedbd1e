package io.github.keycloakdpop.provider.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jboss.logging.Logger;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.ProviderFactory;
import org.keycloak.representations.idm.ClientPoliciesRepresentation;
import org.keycloak.representations.idm.ClientPolicyConditionRepresentation;
import org.keycloak.representations.idm.ClientPolicyRepresentation;
import org.keycloak.representations.idm.ClientProfileRepresentation;
import org.keycloak.representations.idm.ClientProfilesRepresentation;
import org.keycloak.services.clientpolicy.ClientPolicyContext;
import org.keycloak.services.clientpolicy.ClientPolicyEvent;
import org.keycloak.services.clientpolicy.ClientPolicyException;
import org.keycloak.services.clientpolicy.ClientPolicyVote;
import org.keycloak.services.clientpolicy.condition.ClientPolicyConditionProvider;
import org.keycloak.util.JsonSerialization;

/**
 * Which executors of one kind the realm's client policies apply to a client: their conditions (client roles,
 * attributes, access type, any client...) decide, as for any executor, outside any protocol event.
 *
 * <p>From Keycloak 26.6 on, the question travels through Keycloak's own policy engine as the
 * {@link ClientPolicyEvent#VIEW} event, one that no built-in executor acts on, carrying the client in a
 * {@code ClientModelContext}, which the built-in conditions read for any event. Before 26.6 the conditions find the
 * client only for a fixed list of protocol events, each of which some built-in executor acts on, so no event can be
 * sent through the engine without side effects: the enabled policies' conditions are evaluated here instead, with the
 * client in the session's context, as Keycloak 26.4 and 26.5 evaluate them ({@code DefaultClientPolicyManager}: a
 * policy applies when no condition votes no and at least one votes yes), and the matching executors' configurations
 * are read from the profiles. Under the {@code USERINFO_REQUEST} event used for that, the conditions that do not
 * depend on the request (any client, client roles, attributes, access type, protocol) vote as for any request and the
 * others abstain, as they do for {@code VIEW} from 26.6 on.
 */
public final class ClientPolicyExecutors {

    private static final Logger LOG = Logger.getLogger(ClientPolicyExecutors.class);

    private ClientPolicyExecutors() {
    }

    /** The question an executor answers with its configuration (from 26.6 on, through Keycloak's engine). */
    public static class Lookup implements ClientPolicyContext {

        private final ClientModel client;
        private final Consumer<Object> found;

        Lookup(ClientModel client, Consumer<Object> found) {
            this.client = client;
            this.found = found;
        }

        public ClientModel getClient() {
            return client;
        }

        /** Called by each executor of the kind asked for that applies to the client. */
        public void found(Object configuration) {
            found.accept(configuration);
        }

        @Override
        public ClientPolicyEvent getEvent() {
            return ClientPolicyEvent.VIEW;
        }
    }

    /**
     * Hands {@code found} the configuration of every executor with id {@code executorId} that applies to
     * {@code client}; such an executor must answer a {@link Lookup} with {@link Lookup#found}.
     *
     * @throws ClientPolicyException if another executor refused the lookup (26.6 on)
     */
    public static <T> void applying(KeycloakSession session, ClientModel client, String executorId, Class<T> type,
                                    Consumer<T> found) throws ClientPolicyException {
        if (KeycloakApi.CLIENT_MODEL_CONTEXT) {
            session.clientPolicy().triggerOnEvent(new ClientModelLookup(client, c -> found.accept(type.cast(c))));
        } else {
            evaluated(session, client, executorId).forEach(c -> found.accept(JsonSerialization.mapper.convertValue(c, type)));
        }
    }

    /** Keycloak 26.4 and 26.5: the policies evaluated here, their executors' configurations read from the profiles. */
    private static Stream<JsonNode> evaluated(KeycloakSession session, ClientModel client, String executorId)
            throws ClientPolicyException {
        ClientPoliciesRepresentation policies = session.clientPolicy().getClientPolicies(client.getRealm(), true);
        ClientProfilesRepresentation profiles = session.clientPolicy().getClientProfiles(client.getRealm(), true);
        Set<String> applying = new HashSet<>();
        KeycloakContext context = session.getContext();
        ClientModel previous = context.getClient();
        context.setClient(client);
        try {
            for (ClientPolicyRepresentation policy : concat(policies.getPolicies(), policies.getGlobalPolicies())) {
                if (Boolean.TRUE.equals(policy.isEnabled()) && policy.getProfiles() != null
                        && satisfied(session, policy)) {
                    applying.addAll(policy.getProfiles());
                }
            }
        } finally {
            context.setClient(previous);
        }
        return concat(profiles.getProfiles(), profiles.getGlobalProfiles()).stream()
                .filter(profile -> applying.contains(profile.getName()))
                .flatMap(profile -> profile.getExecutors() == null ? Stream.empty() : profile.getExecutors().stream())
                .filter(executor -> executorId.equals(executor.getExecutorProviderId()))
                .map(executor -> executor.getConfiguration());
    }

    private static boolean satisfied(KeycloakSession session, ClientPolicyRepresentation policy) {
        boolean yes = false;
        for (ClientPolicyConditionRepresentation rep : policy.getConditions() == null
                ? List.<ClientPolicyConditionRepresentation>of() : policy.getConditions()) {
            ProviderFactory<?> factory = session.getKeycloakSessionFactory()
                    .getProviderFactory(ClientPolicyConditionProvider.class, rep.getConditionProviderId());
            if (factory == null) {
                return false; // Keycloak refuses to run a policy with an unknown condition
            }
            ClientPolicyVote vote;
            try {
                ClientPolicyConditionProvider<?> condition = (ClientPolicyConditionProvider<?>) factory.create(session);
                setup(condition, rep.getConfiguration());
                vote = condition.applyPolicy(LEGACY_LOOKUP);
                if (condition.isNegativeLogic()) {
                    vote = vote == ClientPolicyVote.YES ? ClientPolicyVote.NO
                            : vote == ClientPolicyVote.NO ? ClientPolicyVote.YES : vote;
                }
            } catch (ClientPolicyException | RuntimeException e) {
                LOG.debugf("keycloak-dpop: client policy %s, condition %s: %s; the policy does not apply",
                        policy.getName(), rep.getConditionProviderId(), e.toString());
                return false;
            }
            if (vote == ClientPolicyVote.NO) {
                return false;
            }
            yes |= vote == ClientPolicyVote.YES;
        }
        return yes;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void setup(ClientPolicyConditionProvider condition, JsonNode configuration) {
        Class<?> type = condition.getConditionConfigurationClass();
        condition.setupConfiguration((org.keycloak.representations.idm.ClientPolicyConditionConfigurationRepresentation)
                JsonSerialization.mapper.convertValue(configuration, type));
    }

    /** The event under which 26.4 and 26.5's conditions read the client from the session's context. */
    private static final ClientPolicyContext LEGACY_LOOKUP = () -> ClientPolicyEvent.USERINFO_REQUEST;

    private static <T> List<T> concat(List<T> a, List<T> b) {
        return Stream.concat(a == null ? Stream.empty() : a.stream(), b == null ? Stream.empty() : b.stream()).toList();
    }
}
