package io.github.keycloakdpop.provider;

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
    private final DPoPSettings settings = new DPoPSettings();

    private DPoPPolicyLookup(ClientModel client) {
        this.client = client;
    }

    /** The settings for {@code client}, looked up once per request. */
    static DPoPSettings of(KeycloakSession session, ClientModel client) {
        String attribute = DPoPPolicyLookup.class.getName() + "/" + client.getId();
        DPoPSettings settings = session.getAttribute(attribute, DPoPSettings.class);
        if (settings == null) {
            DPoPPolicyLookup lookup = new DPoPPolicyLookup(client);
            if (RealmWidePolicy.hasExecutors(client.getRealm())) { // else there is nothing to ask
                try {
                    session.clientPolicy().triggerOnEvent(lookup);
                } catch (ClientPolicyException e) {
                    // another executor refused a VIEW event: not ours to decide; the DPoP settings found so far stand
                    LOG.debugf("Client policies refused the DPoP policy lookup for %s: %s", client.getClientId(),
                            e.getError());
                }
            }
            settings = lookup.settings;
            session.setAttribute(attribute, settings);
        }
        return settings;
    }

    /** Called by each {@code dpop-policy} executor that applies to the client. */
    void add(DPoPPolicyExecutorFactory.Configuration config) {
        settings.add(config);
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
