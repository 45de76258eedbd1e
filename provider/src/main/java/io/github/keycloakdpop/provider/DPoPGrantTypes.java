package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.DPoPProofException;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.util.Set;
import org.keycloak.Config;
import org.keycloak.events.Details;
import org.keycloak.events.EventType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.protocol.oidc.grants.AuthorizationCodeGrantTypeFactory;
import org.keycloak.protocol.oidc.grants.ClientCredentialsGrantTypeFactory;
import org.keycloak.protocol.oidc.grants.JWTAuthorizationGrantTypeFactory;
import org.keycloak.protocol.oidc.grants.OAuth2GrantType;
import org.keycloak.protocol.oidc.grants.OAuth2GrantTypeFactory;
import org.keycloak.protocol.oidc.grants.PermissionGrantTypeFactory;
import org.keycloak.protocol.oidc.grants.PreAuthorizedCodeGrantTypeFactory;
import org.keycloak.protocol.oidc.grants.RefreshTokenGrantTypeFactory;
import org.keycloak.protocol.oidc.grants.ResourceOwnerPasswordCredentialsGrantTypeFactory;
import org.keycloak.protocol.oidc.grants.TokenExchangeGrantTypeFactory;
import org.keycloak.protocol.oidc.grants.ciba.CibaGrantTypeFactory;
import org.keycloak.protocol.oidc.grants.device.DeviceGrantTypeFactory;
import org.keycloak.provider.EnvironmentDependentProviderFactory;
import org.keycloak.representations.AccessToken;
import org.keycloak.services.CorsErrorResponseException;

/**
 * Keycloak's grant types, each with one step added where no other hook exists: after Keycloak authenticated the
 * client and before the grant consumes anything (an authorization code, a device code, a CIBA request, an assertion),
 * the client's own proof policy and nonce requirement are applied. Refusing any later would burn the code the client needs for its retry.
 *
 * <p>Each factory registers under the built-in id, which makes Keycloak use it instead of the built-in one
 * (KC-SERVICES0047 in the log), and keeps the built-in factory's own switches ({@code isSupported}).
 */
public final class DPoPGrantTypes {

    private DPoPGrantTypes() {
    }

    /** The built-in grant with the nonce step in front of {@code process}. */
    static final class NonceCheckedGrant implements OAuth2GrantType {

        private final OAuth2GrantType builtIn;
        private final KeycloakSession session;
        /** False for CIBA, where Keycloak's DPoP executor demands the header: no proof is handed over there. */
        private final boolean takesHandedOverProofs;

        NonceCheckedGrant(OAuth2GrantType builtIn, KeycloakSession session, boolean takesHandedOverProofs) {
            this.builtIn = builtIn;
            this.session = session;
            this.takesHandedOverProofs = takesHandedOverProofs;
        }

        @Override
        public Response process(Context context) {
            if (!DPoPPolicyProvider.inForce(session, session.getContext().getRealm())) {
                return builtIn.process(context);
            }
            if (!ProofHandOff.recordUse(session)) {
                String replay = DPoPProofException.replay().description();
                DPoPMetrics.rejected(DPoPMetrics.Endpoint.TOKEN, DPoPProofException.Reason.REPLAY);
                context.getEvent().detail(Details.REASON, replay).error(OAuthErrors.INVALID_DPOP_PROOF);
                throw new CorsErrorResponseException(context.getCors(), OAuthErrors.INVALID_DPOP_PROOF, replay,
                        Response.Status.BAD_REQUEST);
            }
            ClientProofCheck.Refusal refusal = ClientProofCheck.refusal(session, context.getClient());
            if (refusal != null) {
                DPoPMetrics.rejected(DPoPMetrics.Endpoint.TOKEN, refusal.reason());
                context.getEvent().detail(Details.REASON, refusal.description()).error(OAuthErrors.INVALID_DPOP_PROOF);
                throw new CorsErrorResponseException(context.getCors(), OAuthErrors.INVALID_DPOP_PROOF,
                        refusal.description(), Response.Status.BAD_REQUEST);
            }
            NonceChallenge.Outcome outcome = NonceChallenge.check(session, context.getClient());
            if (outcome.nonce() != null) {
                session.getContext().getHttpResponse().setHeader(NonceChallenge.HEADER, outcome.nonce());
            }
            if (outcome.refusal() != null) {
                DPoPMetrics.nonceChallenge(DPoPMetrics.Endpoint.TOKEN);
                context.getEvent().detail(Details.REASON, outcome.refusal()).error(NonceChallenge.USE_DPOP_NONCE);
                throw new CorsErrorResponseException(context.getCors(), NonceChallenge.USE_DPOP_NONCE,
                        outcome.refusal(), Response.Status.BAD_REQUEST);
            }
            return builtIn.process(context);
        }

        @Override
        public EventType getEventType() {
            return builtIn.getEventType();
        }

        @Override
        public Set<String> getSupportedMultivaluedRequestParameters() {
            return builtIn.getSupportedMultivaluedRequestParameters();
        }

        @Override
        public Set<String> getTokenParameterNames() {
            return builtIn.getTokenParameterNames();
        }

        @Override
        public void preProcess(KeycloakSession session, MultivaluedMap<String, String> formParams)
                throws org.keycloak.services.clientpolicy.ClientPolicyException {
            // before client authentication and Keycloak's own proof check: tells ProofHandOff that process() will
            // record the single use of a proof handed over (a grant type of another extension would not)
            if (takesHandedOverProofs) {
                session.setAttribute(ProofHandOff.GRANT_RECORDS_USE, Boolean.TRUE);
            }
            builtIn.preProcess(session, formParams);
        }

        @Override
        public boolean isTokenAllowed(KeycloakSession session, AccessToken token) {
            return builtIn.isTokenAllowed(session, token);
        }

        @Override
        public void close() {
            builtIn.close();
        }
    }

    /** A built-in grant type factory, registered again under its own id with {@link NonceCheckedGrant}. */
    abstract static class Factory implements OAuth2GrantTypeFactory, EnvironmentDependentProviderFactory {

        private final OAuth2GrantTypeFactory builtIn;

        Factory(OAuth2GrantTypeFactory builtIn) {
            this.builtIn = builtIn;
        }

        @Override
        public OAuth2GrantType create(KeycloakSession session) {
            return new NonceCheckedGrant(builtIn.create(session), session, !(this instanceof Ciba));
        }

        @Override
        public boolean isSupported(Config.Scope config) {
            return !(builtIn instanceof EnvironmentDependentProviderFactory dependent) || dependent.isSupported(config);
        }

        @Override
        public String getId() {
            return builtIn.getId();
        }

        @Override
        public String getShortcut() {
            return builtIn.getShortcut();
        }

        @Override
        public void init(Config.Scope config) {
            builtIn.init(config);
        }

        @Override
        public void postInit(KeycloakSessionFactory factory) {
            builtIn.postInit(factory);
        }

        @Override
        public void close() {
            builtIn.close();
        }
    }

    public static final class AuthorizationCode extends Factory {
        public AuthorizationCode() {
            super(new AuthorizationCodeGrantTypeFactory());
        }
    }

    public static final class RefreshToken extends Factory {
        public RefreshToken() {
            super(new RefreshTokenGrantTypeFactory());
        }
    }

    public static final class ClientCredentials extends Factory {
        public ClientCredentials() {
            super(new ClientCredentialsGrantTypeFactory());
        }
    }

    public static final class Password extends Factory {
        public Password() {
            super(new ResourceOwnerPasswordCredentialsGrantTypeFactory());
        }
    }

    public static final class DeviceCode extends Factory {
        public DeviceCode() {
            super(new DeviceGrantTypeFactory());
        }
    }

    public static final class Ciba extends Factory {
        public Ciba() {
            super(new CibaGrantTypeFactory());
        }
    }

    public static final class TokenExchange extends Factory {
        public TokenExchange() {
            super(new TokenExchangeGrantTypeFactory());
        }
    }

    public static final class JwtAuthorizationGrant extends Factory {
        public JwtAuthorizationGrant() {
            super(new JWTAuthorizationGrantTypeFactory());
        }
    }

    public static final class UmaTicket extends Factory {
        public UmaTicket() {
            super(new PermissionGrantTypeFactory());
        }
    }

    public static final class PreAuthorizedCode extends Factory {
        public PreAuthorizedCode() {
            super(new PreAuthorizedCodeGrantTypeFactory());
        }
    }
}
