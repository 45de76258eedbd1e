package io.github.keycloakdpop.provider;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.services.clientpolicy.ClientPolicyEvent;
import org.keycloak.services.clientpolicy.ClientPolicyException;
import org.keycloak.services.clientpolicy.context.ClientModelContext;

/**
 * Asks Keycloak's client-policy engine which {@code dpop-policy} executors apply to an authenticated client: the
 * realm's enabled policies, their conditions (client roles, attributes, access type, any client...) and their
 * profiles decide, as for any executor. The lookup travels as the {@link ClientPolicyEvent#VIEW} event, one that no
 * built-in executor acts on, so triggering it changes nothing else.
 */
final class DPoPPolicyLookup implements ClientModelContext {

    private static final Logger LOG = Logger.getLogger(DPoPPolicyLookup.class);

    private final ClientModel client;
    private boolean requireNonce;
    private boolean pinConfidentialClients;
    /** Null: no executor narrowed it. When several executors apply, the strictest value of each setting wins. */
    private Set<String> algorithms;
    private Integer maxAgeSeconds;
    private Integer clockSkewSeconds;

    private DPoPPolicyLookup(ClientModel client) {
        this.client = client;
    }

    /** The settings for {@code client}, looked up once per request. */
    static DPoPPolicyLookup of(KeycloakSession session, ClientModel client) {
        String attribute = DPoPPolicyLookup.class.getName() + "/" + client.getId();
        DPoPPolicyLookup lookup = session.getAttribute(attribute, DPoPPolicyLookup.class);
        if (lookup == null) {
            lookup = new DPoPPolicyLookup(client);
            if (!RealmWidePolicy.hasExecutors(client.getRealm())) {
                session.setAttribute(attribute, lookup); // no profile of the realm has the executor: nothing to ask
                return lookup;
            }
            try {
                session.clientPolicy().triggerOnEvent(lookup);
            } catch (ClientPolicyException e) {
                // another executor refused a VIEW event: not ours to decide; the DPoP settings found so far stand
                LOG.debugf("Client policies refused the DPoP policy lookup for %s: %s", client.getClientId(), e.getError());
            }
            session.setAttribute(attribute, lookup);
        }
        return lookup;
    }

    void add(DPoPPolicyExecutorFactory.Configuration config) {
        requireNonce |= Boolean.TRUE.equals(config.requireNonce);
        pinConfidentialClients |= Boolean.TRUE.equals(config.pinConfidentialClients);
        List<String> chosen = config.chosenAlgorithms();
        if (chosen != null) {
            if (algorithms == null) {
                algorithms = new HashSet<>(chosen);
            } else {
                algorithms.retainAll(chosen);
            }
        }
        maxAgeSeconds = stricter(maxAgeSeconds, DPoPPolicyExecutorFactory.Configuration.seconds(config.maxAge));
        clockSkewSeconds = stricter(clockSkewSeconds, DPoPPolicyExecutorFactory.Configuration.seconds(config.clockSkew));
    }

    /** A value that failed validation (Keycloak never stores one) counts as unset. */
    private static Integer stricter(Integer current, Integer candidate) {
        if (candidate == null || candidate < 0) {
            return current;
        }
        return current == null ? candidate : Math.min(current, candidate);
    }

    /** The algorithms the executors allow, or null when none narrowed the realm's. */
    Set<String> algorithms() {
        return algorithms;
    }

    Integer maxAgeSeconds() {
        return maxAgeSeconds;
    }

    Integer clockSkewSeconds() {
        return clockSkewSeconds;
    }

    boolean requireNonce() {
        return requireNonce;
    }

    boolean pinConfidentialClients() {
        return pinConfidentialClients;
    }

    @Override
    public ClientModel getClient() {
        return client;
    }

    @Override
    public ClientPolicyEvent getEvent() {
        return ClientPolicyEvent.VIEW;
    }
}
