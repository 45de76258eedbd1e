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
    private boolean requireNonce;
    private boolean pinConfidentialClients;

    private DPoPPolicyLookup(ClientModel client) {
        this.client = client;
    }

    /** The settings for {@code client}, looked up once per request. */
    static DPoPPolicyLookup of(KeycloakSession session, ClientModel client) {
        String attribute = DPoPPolicyLookup.class.getName() + "/" + client.getId();
        DPoPPolicyLookup lookup = session.getAttribute(attribute, DPoPPolicyLookup.class);
        if (lookup == null) {
            lookup = new DPoPPolicyLookup(client);
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

    void add(boolean requireNonce, boolean pinConfidentialClients) {
        this.requireNonce |= requireNonce;
        this.pinConfidentialClients |= pinConfidentialClients;
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
