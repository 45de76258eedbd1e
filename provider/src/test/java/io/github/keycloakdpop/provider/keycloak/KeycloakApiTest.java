package io.github.keycloakdpop.provider.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.keycloak.crypto.EdDSASignatureProviderFactory;
import org.keycloak.crypto.SignatureProviderFactory;
import org.keycloak.protocol.oidc.grants.OAuth2GrantTypeFactory;

/**
 * The assumptions of {@link KeycloakApi}, checked against the API the provider compiles against (the newest tested
 * release); the integration suite checks them against each release's distribution.
 */
class KeycloakApiTest {

    @Test
    void theNewestApiHasEverythingThePluginNeeds() {
        assertEquals(List.of(), KeycloakApi.missing());
        assertTrue(KeycloakApi.grantPreProcess(), "OAuth2GrantType.preProcess (26.7 on)");
        assertTrue(KeycloakApi.CLIENT_MODEL_CONTEXT, "ClientModelContext (26.6 on)");
    }

    @Test
    void privateJwkMembersComeFromTheBuiltInFactory() {
        SignatureProviderFactory eddsa = new EdDSASignatureProviderFactory();

        assertEquals(eddsa.getJwkPrivateKeyClaims(), KeycloakApi.jwkPrivateKeyClaims(eddsa));
        assertTrue(KeycloakApi.jwkPrivateKeyClaims(eddsa).contains("d"));
    }

    @Test
    void builtInFactoriesAreMadeByNameAndAMissingOneIsNull() {
        OAuth2GrantTypeFactory jwtGrant = KeycloakApi.builtIn(
                "org.keycloak.protocol.oidc.grants.JWTAuthorizationGrantTypeFactory", OAuth2GrantTypeFactory.class);

        assertNotNull(jwtGrant);
        assertEquals("urn:ietf:params:oauth:grant-type:jwt-bearer", jwtGrant.getId());
        assertNull(KeycloakApi.builtIn("org.keycloak.protocol.oidc.grants.NoSuchGrantTypeFactory",
                OAuth2GrantTypeFactory.class));
    }
}
