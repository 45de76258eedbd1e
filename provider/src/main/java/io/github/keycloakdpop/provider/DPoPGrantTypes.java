package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.DPoPProofException;
import io.github.keycloakdpop.core.VerifiedProof;
import io.github.keycloakdpop.provider.keycloak.KeycloakApi;
import io.github.keycloakdpop.provider.keycloak.VersionGuard;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.util.Set;
import org.keycloak.Config;
import org.keycloak.events.Details;
import org.keycloak.events.EventType;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.protocol.oidc.grants.OAuth2GrantType;
import org.keycloak.protocol.oidc.grants.OAuth2GrantTypeFactory;
import org.keycloak.provider.EnvironmentDependentProviderFactory;
import org.keycloak.representations.AccessToken;
import org.keycloak.services.CorsErrorResponseException;

/**
 * Keycloak's grant types, each with one step added where no other hook exists: after Keycloak authenticated the
 * client and before the grant consumes anything (an authorization code, a device code, a CIBA request, an assertion),
 * the client's own proof policy and nonce requirement are applied. Refusing any later would burn the code the client needs for its retry.
 *
 * <p>Each factory registers under the built-in id, which makes Keycloak use it instead of the built-in one
 * (KC-SERVICES0047 in the log), and keeps the built-in factory's own switches ({@code isSupported}). The built-in
 * factory is named, not referenced ({@link KeycloakApi#builtIn}): a grant type this Keycloak lacks (the JWT
 * authorization grant before 26.5) is simply not supported, and where the version guard steps the plugin aside the
 * factory hands out the built-in grant itself.
 *
 * <p>The grant step runs inside {@code process}, which every release calls after client authentication. Whether the
 * grant records a handed-over proof's single use ({@link ProofHandOff}) is marked when Keycloak creates the grant,
 * which every release does before authenticating the client and before its own proof check.
 */
public final class DPoPGrantTypes {

    private DPoPGrantTypes() {
    }

    /** The built-in grant with the nonce step in front of {@code process}. */
    static final class NonceCheckedGrant implements OAuth2GrantType {

        private final OAuth2GrantType builtIn;
        private final KeycloakSession session;

        NonceCheckedGrant(OAuth2GrantType builtIn, KeycloakSession session) {
            this.builtIn = builtIn;
            this.session = session;
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
            if (SubjectTokenBinding.TOKEN_EXCHANGE.equals(context.getFormParams().getFirst("grant_type"))) {
                String unbound = SubjectTokenBinding.refusal(context.getFormParams().getFirst("subject_token"),
                        (VerifiedProof) session.getAttribute(ProofGate.VERIFIED_PROOF));
                if (unbound != null) {
                    DPoPMetrics.rejected(DPoPMetrics.Endpoint.TOKEN, DPoPProofException.Reason.JWK);
                    context.getEvent().detail(Details.REASON, unbound).error(OAuthErrors.INVALID_DPOP_PROOF);
                    throw new CorsErrorResponseException(context.getCors(), OAuthErrors.INVALID_DPOP_PROOF, unbound,
                            Response.Status.BAD_REQUEST);
                }
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

        // 26.6 on; older releases never call it
        @Override
        public Set<String> getTokenParameterNames() {
            return builtIn.getTokenParameterNames();
        }

        /** Keycloak 26.7's step before client authentication (no {@code @Override}: older releases have none). */
        public void preProcess(KeycloakSession session, MultivaluedMap<String, String> formParams)
                throws org.keycloak.services.clientpolicy.ClientPolicyException {
            KeycloakApi.preProcess(builtIn, session, formParams);
        }

        // 26.6 on; older releases never call it
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

        /** The built-in factory, or null where this Keycloak has none. */
        private final OAuth2GrantTypeFactory builtIn;
        private final String id;

        /** @param id the grant type, for a Keycloak that lacks the built-in factory */
        Factory(String builtInClass, String id) {
            this.builtIn = KeycloakApi.builtIn(builtInClass, OAuth2GrantTypeFactory.class);
            this.id = builtIn != null ? builtIn.getId() : id;
        }

        @Override
        public OAuth2GrantType create(KeycloakSession session) {
            if (!VersionGuard.active()) {
                return builtIn.create(session); // stepped aside: Keycloak's own grant, unwrapped
            }
            // not CIBA, where Keycloak's DPoP executor demands the header: no proof is handed over there
            if (!(this instanceof Ciba)) {
                // Keycloak creates the grant before client authentication and its own proof check: tells
                // ProofHandOff that process() records the single use of a proof handed over (a grant type of another
                // extension would not). A grant created inside another (UMA's client credentials) changes nothing.
                session.setAttribute(ProofHandOff.GRANT_RECORDS_USE, Boolean.TRUE);
            }
            return new NonceCheckedGrant(builtIn.create(session), session);
        }

        /**
         * The built-in factory's own switch. Never false for the version guard: Keycloak would then drop the built-in
         * grant type too (same id), so a stepped-aside plugin hands out the built-in grant instead ({@link #create}).
         */
        @Override
        public boolean isSupported(Config.Scope config) {
            return builtIn != null
                    && (!(builtIn instanceof EnvironmentDependentProviderFactory dependent) || dependent.isSupported(config));
        }

        @Override
        public String getId() {
            return id;
        }

        @Override
        public String getShortcut() {
            return builtIn == null ? null : builtIn.getShortcut();
        }

        @Override
        public void init(Config.Scope config) {
            if (builtIn != null) {
                builtIn.init(config);
            }
        }

        @Override
        public void postInit(KeycloakSessionFactory factory) {
            if (builtIn != null) {
                builtIn.postInit(factory);
            }
        }

        @Override
        public void close() {
            if (builtIn != null) {
                builtIn.close();
            }
        }
    }

    public static final class AuthorizationCode extends Factory {
        public AuthorizationCode() {
            super("org.keycloak.protocol.oidc.grants.AuthorizationCodeGrantTypeFactory", "authorization_code");
        }
    }

    public static final class RefreshToken extends Factory {
        public RefreshToken() {
            super("org.keycloak.protocol.oidc.grants.RefreshTokenGrantTypeFactory", "refresh_token");
        }
    }

    public static final class ClientCredentials extends Factory {
        public ClientCredentials() {
            super("org.keycloak.protocol.oidc.grants.ClientCredentialsGrantTypeFactory", "client_credentials");
        }
    }

    public static final class Password extends Factory {
        public Password() {
            super("org.keycloak.protocol.oidc.grants.ResourceOwnerPasswordCredentialsGrantTypeFactory", "password");
        }
    }

    public static final class DeviceCode extends Factory {
        public DeviceCode() {
            super("org.keycloak.protocol.oidc.grants.device.DeviceGrantTypeFactory", "urn:ietf:params:oauth:grant-type:device_code");
        }
    }

    public static final class Ciba extends Factory {
        public Ciba() {
            super("org.keycloak.protocol.oidc.grants.ciba.CibaGrantTypeFactory", "urn:openid:params:grant-type:ciba");
        }
    }

    public static final class TokenExchange extends Factory {
        public TokenExchange() {
            super("org.keycloak.protocol.oidc.grants.TokenExchangeGrantTypeFactory", "urn:ietf:params:oauth:grant-type:token-exchange");
        }
    }

    public static final class JwtAuthorizationGrant extends Factory {
        public JwtAuthorizationGrant() {
            super("org.keycloak.protocol.oidc.grants.JWTAuthorizationGrantTypeFactory", "urn:ietf:params:oauth:grant-type:jwt-bearer");
        }
    }

    public static final class UmaTicket extends Factory {
        public UmaTicket() {
            super("org.keycloak.protocol.oidc.grants.PermissionGrantTypeFactory", "urn:ietf:params:oauth:grant-type:uma-ticket");
        }
    }

    public static final class PreAuthorizedCode extends Factory {
        public PreAuthorizedCode() {
            super("org.keycloak.protocol.oidc.grants.PreAuthorizedCodeGrantTypeFactory", "urn:ietf:params:oauth:grant-type:pre-authorized_code");
        }
    }
}
