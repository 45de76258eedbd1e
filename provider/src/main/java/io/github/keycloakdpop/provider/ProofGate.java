package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.DPoPProofException;
import io.github.keycloakdpop.core.DPoPProofVerifier;
import io.github.keycloakdpop.core.ProofKeyCache;
import io.github.keycloakdpop.core.ProofPolicy;
import io.github.keycloakdpop.core.ProofRequest;
import io.github.keycloakdpop.core.ReplayGuard;
import io.github.keycloakdpop.core.VerifiedProof;
import io.github.keycloakdpop.provider.keycloak.KeycloakApi;
import io.github.keycloakdpop.provider.keycloak.KeycloakInternals;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.PathSegment;
import jakarta.ws.rs.ext.Provider;
import java.util.List;
import org.keycloak.common.Profile;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;

/**
 * The RFC 9449 gate in front of the endpoints that take a DPoP proof from a client: the token endpoint and the
 * pushed-authorization endpoint. It runs before Keycloak authenticates the client, so it only applies realm-wide,
 * client-independent checks (RFC 9449 §4.3); a failing proof ends here with {@code invalid_dpop_proof}, before
 * Keycloak's own re-check could answer {@code invalid_request}.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class ProofGate implements ContainerRequestFilter {

    /** Session attribute under which the verified proof is kept for the rest of the request. */
    public static final String VERIFIED_PROOF = "keycloak-dpop.verified-proof";

    /**
     * Proof keys seen before, for the whole server: a verifier is made per request, the cache outlives it. Bounded by
     * entries and age (see {@link ProofKeyCache}); the keys in it are public.
     */
    private static final ProofKeyCache KEYS = ProofKeyCache.defaults();

    /**
     * The fast path needs BouncyCastle's lightweight API, which Keycloak ships in bcprov-jdk18on; a distribution that
     * replaced it (FIPS, bc-fips) gets the jose4j reference path instead of a server error on the first proof.
     */
    static final boolean FAST_PATH = KeycloakApi.present("org.bouncycastle.crypto.signers.ECDSASigner")
            && KeycloakApi.present("org.bouncycastle.crypto.signers.Ed25519Signer")
            && KeycloakApi.present("org.bouncycastle.crypto.ec.CustomNamedCurves");

    @Context
    KeycloakSession session;

    @Override
    public void filter(ContainerRequestContext request) {
        if (!"POST".equals(request.getMethod()) || !isProofEndpoint(request.getUriInfo().getPathSegments())) {
            return;
        }
        List<String> dpop = request.getHeaders().get("DPoP");
        if (dpop == null || dpop.isEmpty()) {
            return; // whether this client needed a proof is decided once it is authenticated
        }
        RealmModel realm = session.getContext().getRealm();
        DPoPPolicyProvider policy = session.getProvider(DPoPPolicyProvider.class);
        if (realm == null || !policy.appliesTo(realm)) {
            return; // unknown realm (Keycloak answers 404 itself), or one left to Keycloak's built-in DPoP
        }
        try {
            boolean par = isPar(request.getUriInfo().getPathSegments());
            // With its dpop feature on, Keycloak records every proof it checks after client authentication in the
            // single-use store (RFC 9449 §11.1), under its own key; at the token endpoint the gate hands the proof
            // over (ProofHandOff), and the entry Keycloak would have made is made for it after client
            // authentication. Either way a second entry of the plugin's would be a second store write, replicated
            // in a cluster, for nothing: the gate reads that entry instead (usedBefore) and refuses a replay before
            // client authentication. Of two requests racing with one proof, the insert serves one, and the other
            // gets the same answer (NonceCheckedGrant, KeycloakErrorTranslator).
            boolean keycloakRecordsUse = Profile.isFeatureEnabled(Profile.Feature.DPOP);
            ReplayGuard replayGuard = keycloakRecordsUse ? ReplayGuard.RECORDED_BY_CALLER : singleUse(session);
            VerifiedProof proof = verifier(policy.proofPolicy(realm), replayGuard)
                    .verify(new ProofRequest(dpop, request.getMethod(), session.getContext().getUri().getAbsolutePath(),
                            null, realm.getName()));
            if (keycloakRecordsUse && usedBefore(session, proof)) {
                throw DPoPProofException.replay();
            }
            session.setAttribute(VERIFIED_PROOF, proof);
            ProofSignatures.remember(session, dpop.get(0), proof);
            if (keycloakRecordsUse && !par) {
                ProofHandOff.handOff(session, proof);
            }
            DPoPMetrics.accepted(par ? DPoPMetrics.Endpoint.PAR : DPoPMetrics.Endpoint.TOKEN);
        } catch (DPoPProofException e) {
            DPoPMetrics.rejected(endpoint(request), e.reason());
            RejectionEvents.emit(session, endpoint(request) == DPoPMetrics.Endpoint.PAR, e.error(), e.description(),
                    RejectionEvents.readForm(request.getEntityStream(), 16 * 1024)::get);
            request.abortWith(OAuthErrors.badRequest(e.error(), e.description(), request.getHeaderString("Origin")));
        }
    }

    private static DPoPMetrics.Endpoint endpoint(ContainerRequestContext request) {
        return isPar(request.getUriInfo().getPathSegments()) ? DPoPMetrics.Endpoint.PAR : DPoPMetrics.Endpoint.TOKEN;
    }

    /** The realm's proof verifier for this request: its policy, Keycloak's clock and single-use store, shared keys. */
    static DPoPProofVerifier verifier(KeycloakSession session, RealmModel realm) {
        return verifier(session.getProvider(DPoPPolicyProvider.class).proofPolicy(realm), singleUse(session));
    }

    /** The plugin's own single-use entries, in Keycloak's single-use store (cluster-wide). */
    static ReplayGuard singleUse(KeycloakSession session) {
        return (key, ttl) -> session.singleUseObjects().putIfAbsent(key, ttl);
    }

    /** Whether Keycloak's own check recorded this proof before (its single-use entry, {@link KeycloakInternals}). */
    static boolean usedBefore(KeycloakSession session, VerifiedProof proof) {
        return session.singleUseObjects().contains(keycloakReplayKey(proof));
    }

    /** The entry Keycloak's own check makes for a proof in its single-use store. */
    static String keycloakReplayKey(VerifiedProof proof) {
        return KeycloakInternals.replayKey(proof.jti(), proof.htu());
    }

    static DPoPProofVerifier verifier(ProofPolicy policy, ReplayGuard replayGuard) {
        return FAST_PATH ? new DPoPProofVerifier(policy, KeycloakClock.INSTANCE, replayGuard, KEYS)
                : DPoPProofVerifier.reference(policy, KeycloakClock.INSTANCE, replayGuard);
    }

    /** realms/{realm}/protocol/openid-connect/ext/par/request */
    static boolean isPar(List<PathSegment> path) {
        return path.size() == 7 && isProofEndpoint(path);
    }

    /** realms/{realm}/protocol/openid-connect/token or realms/{realm}/protocol/openid-connect/ext/par/request */
    static boolean isProofEndpoint(List<PathSegment> path) {
        int n = path.size();
        if (n < 5 || !"realms".equals(path.get(0).getPath()) || !"protocol".equals(path.get(2).getPath())
                || !"openid-connect".equals(path.get(3).getPath())) {
            return false;
        }
        return (n == 5 && "token".equals(path.get(4).getPath()))
                || (n == 7 && "ext".equals(path.get(4).getPath()) && "par".equals(path.get(5).getPath())
                        && "request".equals(path.get(6).getPath()));
    }
}
