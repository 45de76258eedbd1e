package io.github.keycloakdpop.provider.keycloak;

import java.util.function.Consumer;
import org.keycloak.models.ClientModel;
import org.keycloak.services.clientpolicy.context.ClientModelContext;

/** The lookup as Keycloak 26.6 and later carry a client to the conditions; loaded only there. */
final class ClientModelLookup extends ClientPolicyExecutors.Lookup implements ClientModelContext {

    ClientModelLookup(ClientModel client, Consumer<Object> found) {
        super(client, found);
    }
}
