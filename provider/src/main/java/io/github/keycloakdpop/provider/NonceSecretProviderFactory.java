package io.github.keycloakdpop.provider;

import java.util.List;
import java.util.stream.Stream;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;
import org.keycloak.common.util.Base64Url;
import org.keycloak.common.util.MultivaluedHashMap;
import org.keycloak.component.ComponentModel;
import org.keycloak.crypto.KeyStatus;
import org.keycloak.crypto.KeyType;
import org.keycloak.crypto.KeyUse;
import org.keycloak.crypto.KeyWrapper;
import org.keycloak.keys.AbstractGeneratedSecretKeyProviderFactory;
import org.keycloak.keys.Attributes;
import org.keycloak.keys.KeyProvider;
import org.keycloak.keys.SecretKeyProviderUtils;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.provider.ProviderConfigProperty;

/**
 * The realm's secret for the authorization server's DPoP nonces, as Keycloak key material ("Realm settings → Keys →
 * Providers"): generated per realm on first use (so it is never part of a realm export and two deployments never
 * share it), stored in the database so every node reads the same one, and rotated like any Keycloak key: add a
 * provider with a higher priority; nonces made with the previous secret stay valid until they expire, as long as it
 * stays enabled. {@link Resource} is the same for the nonces of Keycloak's resource endpoints (userinfo, account API),
 * under a key of its own, so that a nonce of one is never a nonce of the other.
 */
public class NonceSecretProviderFactory extends AbstractGeneratedSecretKeyProviderFactory<KeyProvider> {

    public static final String ID = "dpop-nonce-secret";
    /** Key "algorithm" no Keycloak signer asks for, so these secrets are only ever used for nonces. */
    public static final String ALGORITHM = "DPoP-Nonce-HS256";
    public static final String RESOURCE_ID = "dpop-resource-nonce-secret";
    /** The resource endpoints' nonce secrets: another "algorithm", so Keycloak keeps them apart from the ones above. */
    public static final String RESOURCE_ALGORITHM = "DPoP-Resource-Nonce-HS256";

    private static final Logger LOG = Logger.getLogger(NonceSecretProviderFactory.class);
    private static final List<ProviderConfigProperty> CONFIG = SecretKeyProviderUtils.configurationBuilder()
            .property(Attributes.SECRET_SIZE_PROPERTY).build();

    private final String id;
    private final String algorithm;
    private final String helpText;

    public NonceSecretProviderFactory() {
        this(ID, ALGORITHM, "Secret for the DPoP nonces of keycloak-dpop's token and PAR endpoints (RFC 9449 §8). "
                + "Created automatically; add one with a higher priority to rotate it.");
    }

    NonceSecretProviderFactory(String id, String algorithm, String helpText) {
        this.id = id;
        this.algorithm = algorithm;
        this.helpText = helpText;
    }

    /** The secret of the nonces that userinfo and the account API hand out as a resource server (RFC 9449 §9). */
    public static final class Resource extends NonceSecretProviderFactory {

        public Resource() {
            super(RESOURCE_ID, RESOURCE_ALGORITHM, "Secret for the DPoP nonces of keycloak-dpop's resource endpoints, "
                    + "userinfo and the account API (RFC 9449 §9). Created automatically; add one with a higher "
                    + "priority to rotate it.");
        }
    }

    @Override
    public KeyProvider create(KeycloakSession session, ComponentModel model) {
        KeyWrapper key = new KeyWrapper();
        key.setProviderId(model.getId());
        key.setProviderPriority(model.get(Attributes.PRIORITY_KEY, 0L));
        key.setKid(model.get(Attributes.KID_KEY));
        key.setUse(KeyUse.SIG);
        key.setType(KeyType.OCT);
        key.setAlgorithm(algorithm);
        key.setStatus(KeyStatus.from(model.get(Attributes.ACTIVE_KEY, true), model.get(Attributes.ENABLED_KEY, true)));
        key.setSecretKey(new SecretKeySpec(Base64Url.decode(model.get(Attributes.SECRET_KEY)), "HmacSHA256"));
        return () -> Stream.of(key);
    }

    /** Keycloak calls this when a realm has no active nonce secret yet: create one. */
    @Override
    public boolean createFallbackKeys(KeycloakSession session, KeyUse keyUse, String algorithm) {
        if (keyUse != KeyUse.SIG || !this.algorithm.equals(algorithm)) {
            return false;
        }
        RealmModel realm = session.getContext().getRealm();
        ComponentModel generated = new ComponentModel();
        generated.setName(id);
        generated.setParentId(realm.getId());
        generated.setProviderId(id);
        generated.setProviderType(KeyProvider.class.getName());
        MultivaluedHashMap<String, String> config = new MultivaluedHashMap<>();
        config.putSingle(Attributes.PRIORITY_KEY, "100");
        generated.setConfig(config);
        realm.addComponentModel(generated); // validateConfiguration generates the secret
        return true;
    }

    @Override
    protected int getDefaultKeySize() {
        return 32;
    }

    @Override
    protected Logger logger() {
        return LOG;
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public String getHelpText() {
        return helpText;
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return CONFIG;
    }
}
