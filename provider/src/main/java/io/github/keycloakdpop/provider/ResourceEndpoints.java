package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.DPoPResourceCheck;
import io.github.keycloakdpop.core.VerifiedProof;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.PathSegment;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.protocol.oidc.OIDCAdvancedConfigWrapper;
import org.keycloak.representations.AccessToken;
import org.keycloak.services.Urls;

/**
 * The Keycloak endpoints where a client presents an access token as a protected resource (userinfo and the account
 * REST API), and what the resource gate and its response filter share about them.
 */
final class ResourceEndpoints {

    /** Session attribute set when the plugin itself refused the request, so the response filter leaves it alone. */
    static final String REFUSED = "keycloak-dpop.resource-refused";
    /** Session attribute set when {@link ResourceProofGate} checked the header credentials before Keycloak used them. */
    static final String CHECKED = "keycloak-dpop.resource-checked";
    /** Session attribute: a newer resource nonce for the answer of a request the gate let through. */
    static final String RENEWED_NONCE = "keycloak-dpop.resource-nonce";

    private ResourceEndpoints() {
    }

    /** realms/{realm}/protocol/openid-connect/userinfo */
    static boolean isUserinfo(List<PathSegment> path) {
        List<String> p = segments(path);
        return p.size() == 5 && "realms".equals(p.get(0)) && "protocol".equals(p.get(2))
                && "openid-connect".equals(p.get(3)) && "userinfo".equals(p.get(4));
    }

    /** realms/{realm}/account and everything below it (the account REST API answers there). */
    static boolean isAccount(List<PathSegment> path) {
        List<String> p = segments(path);
        return p.size() >= 3 && "realms".equals(p.get(0)) && "account".equals(p.get(2));
    }

    static boolean isResource(ContainerRequestContext request) {
        List<PathSegment> path = request.getUriInfo().getPathSegments();
        return !"OPTIONS".equals(request.getMethod()) && (isUserinfo(path) || isAccount(path));
    }

    /** Userinfo and the account API accept tokens with both schemes; the realm's proof policy applies. */
    static DPoPResourceCheck check(KeycloakSession session, RealmModel realm) {
        return new DPoPResourceCheck(session.getProvider(DPoPPolicyProvider.class).proofPolicy(realm),
                ProofGate.verifier(session, realm), realm.getName()).acceptingBearer();
    }

    /**
     * What the plugin decided about the credentials in the {@code Authorization} header: {@code refusal} null lets
     * the request through (also when the header holds no DPoP or Bearer credentials); {@code nonce} non-null goes in
     * a {@code DPoP-Nonce} header of the answer.
     */
    record Decision(DPoPResourceCheck.Refusal refusal, String nonce) {
        static final Decision PASS = new Decision(null, null);
    }

    /**
     * Decides on the access token in the {@code Authorization} header and its proof, and counts and records the
     * outcome (metrics, a Keycloak event for a refusal). A token that is not an active access token of this realm is
     * {@code invalid_token} with either scheme: Keycloak refuses it too, but answers some unparseable ones with a 500.
     * Call once per request.
     */
    static Decision decide(KeycloakSession session, RealmModel realm, ContainerRequestContext request) {
        DPoPResourceCheck check = check(session, realm);
        AccessToken token = null;
        try {
            DPoPResourceCheck.Credentials credentials = check.credentials(request.getHeaders().get(HttpHeaders.AUTHORIZATION));
            token = activeAccessToken(session, realm, credentials.accessToken());
            if (token == null) {
                throw check.invalidToken(credentials, "The access token is invalid, expired or not from this realm");
            }
            VerifiedProof proof = check.verify(credentials, request.getHeaders().get("DPoP"), request.getMethod(),
                    session.getContext().getUri().getAbsolutePath(), cnfJkt(token));
            clientRequirement(check, credentials, token, realm);
            if (proof == null) {
                return Decision.PASS; // an unbound token with the Bearer scheme: no proof, no nonce
            }
            DPoPMetrics.accepted(endpoint(request));
            ProofSignatures.remember(session, request.getHeaders().getFirst("DPoP"), proof);
            return nonce(session, realm, request, check, proof, token);
        } catch (DPoPResourceCheck.Refusal refusal) {
            if (refusal.error() == null) {
                return Decision.PASS; // no credentials this resource understands: Keycloak decides
            }
            DPoPMetrics.rejected(endpoint(request), refusal);
            emit(session, request, refusal, token);
            return new Decision(refusal, null);
        }
    }

    /** RFC 9449 §9, when the realm holds its resource endpoints to nonces: the proof's nonce must be one of ours. */
    private static Decision nonce(KeycloakSession session, RealmModel realm, ContainerRequestContext request,
                                  DPoPResourceCheck check, VerifiedProof proof, AccessToken token) {
        NonceChallenge.Outcome outcome = NonceChallenge.atResource(session, realm, proof);
        if (outcome.refusal() == null) {
            return new Decision(null, outcome.nonce()); // a renewed nonce, if the client should switch
        }
        DPoPResourceCheck.Refusal refusal = check.useDPoPNonce(outcome.refusal());
        DPoPMetrics.nonceChallenge(endpoint(request));
        emit(session, request, refusal, token);
        return new Decision(refusal, outcome.nonce());
    }

    /** @param token the access token once its signature verified, else null: never a client id the caller made up */
    private static void emit(KeycloakSession session, ContainerRequestContext request,
                             DPoPResourceCheck.Refusal refusal, AccessToken token) {
        RejectionEvents.emitAtResource(session, endpoint(request) == DPoPMetrics.Endpoint.USERINFO, refusal.error(),
                refusal.description(), token == null ? null : token.getIssuedFor(),
                token == null ? null : token.getSubject());
    }

    static DPoPMetrics.Endpoint endpoint(ContainerRequestContext request) {
        return isUserinfo(request.getUriInfo().getPathSegments()) ? DPoPMetrics.Endpoint.USERINFO
                : DPoPMetrics.Endpoint.ACCOUNT;
    }

    /** Whether the {@code Authorization} header holds DPoP or Bearer credentials, well-formed or not. */
    static boolean hasHeaderCredentials(DPoPResourceCheck check, List<String> authorization) {
        try {
            check.credentials(authorization);
            return true;
        } catch (DPoPResourceCheck.Refusal refusal) {
            return refusal.error() != null;
        }
    }

    /**
     * The access token if its signature verifies with this realm's keys, it is active, this realm issued it and it is
     * an access token; null otherwise. The same checks Keycloak's userinfo and account API make first, so a token
     * refused here is one Keycloak would refuse too.
     */
    static AccessToken activeAccessToken(KeycloakSession session, RealmModel realm, String token) {
        AccessToken accessToken = session.tokens().decode(token, AccessToken.class);
        if (accessToken == null || !accessToken.isActive()) {
            return null;
        }
        String issuer = Urls.realmIssuer(session.getContext().getUri().getBaseUri(), realm.getName());
        String type = accessToken.getType();
        boolean accessTokenType = "Bearer".equalsIgnoreCase(type) || "DPoP".equalsIgnoreCase(type);
        return issuer.equals(accessToken.getIssuer()) && accessTokenType ? accessToken : null;
    }

    /**
     * Keycloak refuses the Bearer scheme for every token of a client that requires DPoP, bound or not (an unbound one
     * exists if it was issued before the client started to require DPoP).
     */
    static void clientRequirement(DPoPResourceCheck check, DPoPResourceCheck.Credentials credentials,
                                  AccessToken token, RealmModel realm) throws DPoPResourceCheck.Refusal {
        ClientModel client = token.getIssuedFor() == null ? null : realm.getClientByClientId(token.getIssuedFor());
        if (!credentials.dpop() && client != null && OIDCAdvancedConfigWrapper.fromClientModel(client).isUseDPoP()) {
            throw check.invalidToken(credentials,
                    "The client of this access token requires DPoP: send the token with the DPoP scheme and a DPoP proof");
        }
    }

    static String cnfJkt(AccessToken token) {
        return token.getConfirmation() == null ? null : token.getConfirmation().getKeyThumbprint();
    }

    /**
     * The refusal as an HTTP response: its status, one {@code WWW-Authenticate} line per challenge, a
     * {@code DPoP-Nonce} when there is one, the error also in a JSON body, and CORS headers that let a browser client
     * read the challenge and the nonce (RFC 9449 §7.1, §9).
     */
    static Response response(Decision decision, ContainerRequestContext request) {
        DPoPResourceCheck.Refusal refusal = decision.refusal();
        Response.ResponseBuilder response = Response.status(refusal.status()).header("Cache-Control", "no-store");
        for (String challenge : refusal.wwwAuthenticate()) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, challenge);
        }
        if (decision.nonce() != null) {
            response.header(NonceChallenge.HEADER, decision.nonce());
        }
        if (refusal.error() != null) {
            response.type(MediaType.APPLICATION_JSON_TYPE)
                    .entity(Map.of("error", refusal.error(), "error_description", refusal.description()));
        }
        String origin = request.getHeaderString("Origin");
        if (origin != null) {
            // As Keycloak's userinfo does for its own errors: any origin may read an error, never a resource.
            response.header("Access-Control-Allow-Origin", origin)
                    .header("Access-Control-Allow-Credentials", "true")
                    .header("Access-Control-Expose-Headers", String.join(", ", DPoPCorsFactory.DPOP_RESPONSE_HEADERS));
        }
        return response.build();
    }

    /** Decoded path segments without the empty one a trailing slash leaves. */
    private static List<String> segments(List<PathSegment> path) {
        List<String> p = path.stream().map(PathSegment::getPath).toList();
        return !p.isEmpty() && p.get(p.size() - 1).isEmpty() ? p.subList(0, p.size() - 1) : p;
    }
}
