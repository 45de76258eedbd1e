package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.provider.keycloak.ClientPolicyExecutors;
import org.jboss.logging.Logger;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.services.clientpolicy.ClientPolicyException;

/**
 * Asks Keycloak's client policies which {@code dpop-policy} executors apply to an authenticated client: the realm's
 * enabled policies, their conditions (client roles, attributes, access type, any client...) and their profiles
 * decide, as for any executor ({@link ClientPolicyExecutors}, which knows how each Keycloak release asks).
 */
final class DPoPPolicyLookup {

    private static final Logger LOG = Logger.getLogger(DPoPPolicyLookup.class);

    private DPoPPolicyLookup() {
    }

    /** The settings for {@code client}, looked up once per request. */
    static DPoPSettings of(KeycloakSession session, ClientModel client) {
        String attribute = DPoPPolicyLookup.class.getName() + "/" + client.getId();
        DPoPSettings settings = session.getAttribute(attribute, DPoPSettings.class);
        if (settings == null) {
            DPoPSettings found = new DPoPSettings();
            if (RealmWidePolicy.hasExecutors(client.getRealm())) { // else there is nothing to ask
                try {
                    ClientPolicyExecutors.applying(session, client, DPoPPolicyExecutorFactory.ID,
                            DPoPPolicyExecutorFactory.Configuration.class, found::add);
                } catch (ClientPolicyException e) {
                    // another executor refused the lookup: not ours to decide; the DPoP settings found so far stand
                    LOG.debugf("Client policies refused the DPoP policy lookup for %s: %s", client.getClientId(),
                            e.getError());
                }
            }
            settings = found;
            session.setAttribute(attribute, settings);
        }
        return settings;
    }
}
