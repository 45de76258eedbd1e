package io.github.keycloakdpop.core;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.github.keycloakdpop.core.ProofKeys.ProofKey;

/**
 * Verifies a DPoP proof (RFC 9449 §4.3). Cheap checks run first, the signature next, and the replay store is
 * written last so that only otherwise valid proofs occupy it.
 *
 * <p>Two paths check the key and the signature and must agree on every proof: the fast path (the default:
 * BouncyCastle's lightweight ECDSA, JDK RSA and EdDSA, keys cached in a {@link ProofKeyCache}) and the jose4j
 * reference path ({@link #reference}), kept for tests and comparisons.
 */
public final class DPoPProofVerifier {

    private final ProofPolicy policy;
    private final Clock clock;
    private final ReplayGuard replayGuard;
    private final ProofKeys keys;

    /** The fast path with a key cache of its own; verifiers that live briefly should share one instead. */
    public DPoPProofVerifier(ProofPolicy policy, Clock clock, ReplayGuard replayGuard) {
        this(policy, clock, replayGuard, ProofKeyCache.defaults());
    }

    /** The fast path, with a key cache shared by every verifier that is given it. */
    public DPoPProofVerifier(ProofPolicy policy, Clock clock, ReplayGuard replayGuard, ProofKeyCache keyCache) {
        this(policy, clock, replayGuard, new FastKeys(Objects.requireNonNull(keyCache, "keyCache")));
    }

    private DPoPProofVerifier(ProofPolicy policy, Clock clock, ReplayGuard replayGuard, ProofKeys keys) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.replayGuard = Objects.requireNonNull(replayGuard, "replayGuard");
        this.keys = keys;
    }

    /** The jose4j reference path: every key built, every signature and thumbprint computed by jose4j. */
    public static DPoPProofVerifier reference(ProofPolicy policy, Clock clock, ReplayGuard replayGuard) {
        return new DPoPProofVerifier(policy, clock, replayGuard, Jose4jKeys.INSTANCE);
    }

    public VerifiedProof verify(ProofRequest request) throws DPoPProofException {
        DPoPProofException.Reason[] stage = {DPoPProofException.Reason.HEADER};
        try {
            return check(request, stage);
        } catch (DPoPProofException e) {
            throw e.at(stage[0]);
        } catch (RuntimeException e) {
            // Whatever a library or the replay store throws on hostile input, the answer is still invalid_dpop_proof.
            throw new DPoPProofException("DPoP proof is malformed").at(DPoPProofException.Reason.MALFORMED);
        }
    }

    /** {@code stage[0]} tracks which group of checks runs, for {@link DPoPProofException#reason()}. */
    private VerifiedProof check(ProofRequest request, DPoPProofException.Reason[] stage)
            throws DPoPProofException {
        // RFC 9449 §4.3 items 1-2: one header, one well-formed JWS
        CompactJws jws = CompactJws.parse(singleProof(request.dpopHeaderValues()));

        // items 4, 5, 7: typed, asymmetric, and carrying a public key that suits the algorithm
        stage[0] = DPoPProofException.Reason.JOSE_HEADER;
        Map<String, Object> header = CompactJws.jsonObject(jws.header(), "DPoP proof header is not valid JSON");
        HeaderChecks.typ(header);
        String alg = HeaderChecks.alg(header, policy.allowedAlgorithms());
        HeaderChecks.noCrit(header);
        HeaderChecks.noKeyReferences(header);
        stage[0] = DPoPProofException.Reason.JWK;
        ProofKey key = keys.key(JwkChecks.publicKey(HeaderChecks.jwk(header), alg));

        // items 3, 8, 9, 11, 12: the claims bind the proof to this request, this moment and this access token
        stage[0] = DPoPProofException.Reason.CLAIMS;
        Map<String, Object> claims = CompactJws.jsonObject(jws.claims(), "DPoP proof claims are not a JSON object");
        BigDecimal now = BigDecimal.valueOf(clock.millis(), 3);
        String jti = ClaimChecks.jti(claims, policy.maxJtiLength());
        stage[0] = DPoPProofException.Reason.HTM;
        ClaimChecks.htm(claims, request.htm());
        stage[0] = DPoPProofException.Reason.HTU;
        Htu.Target target = Htu.target(request.htu());
        String htu = ClaimChecks.htu(claims, request.htu(), target, policy);
        stage[0] = DPoPProofException.Reason.TIME;
        BigDecimal iat = ClaimChecks.iat(claims, now, policy.maxAge(), policy.clockSkew());
        ClaimChecks.exp(claims, now, policy.clockSkew());
        ClaimChecks.nbf(claims, now, policy.clockSkew());
        stage[0] = DPoPProofException.Reason.ATH;
        String ath = ClaimChecks.ath(claims, request.accessToken());
        stage[0] = DPoPProofException.Reason.CLAIMS;
        String nonce = ClaimChecks.nonce(claims);

        // item 6: only now spend a signature verification
        stage[0] = DPoPProofException.Reason.SIGNATURE;
        verifySignature(jws, alg, key);
        String jkt = key.jkt();

        // §11.1: single use, recorded last
        stage[0] = DPoPProofException.Reason.REPLAY;
        firstUse(request, target.normalized(), jti, iat, now);
        return new VerifiedProof(jkt, jti, request.htm(), htu, iat.longValue(), nonce, ath, alg);
    }

    /** RFC 9449 §4.3 items 1-2: exactly one header value, bounded in size before anything decodes it. */
    private String singleProof(List<String> values) throws DPoPProofException {
        if (values == null || values.isEmpty()) {
            throw new DPoPProofException("DPoP proof is missing");
        }
        if (values.size() > 1) {
            throw new DPoPProofException("Exactly one DPoP header is allowed");
        }
        String proof = values.get(0);
        if (proof == null || proof.isBlank()) {
            throw new DPoPProofException("DPoP proof is missing");
        }
        // Header values are ASCII (token68), so characters are bytes here; anything else fails the shape check.
        if (proof.length() > policy.maxProofLength()) {
            throw new DPoPProofException("DPoP proof is larger than " + policy.maxProofLength() + " bytes");
        }
        return proof;
    }

    /**
     * RFC 9449 §4.3 item 6, with the embedded key and only the header's (already allowed) algorithm. An ECDSA
     * signature must have exactly the RFC 7518 §3.4 length: jose4j alone would also take shorter ones.
     */
    private static void verifySignature(CompactJws jws, String alg, ProofKey key) throws DPoPProofException {
        boolean wellFormed = !alg.startsWith("ES") || jws.signature().length == VerificationKey.Ecdsa.signatureLength(alg);
        if (!wellFormed || !key.verify(alg, jws)) {
            throw new DPoPProofException("DPoP proof signature is invalid");
        }
    }

    /**
     * RFC 9449 §11.1: remember the jti, in the context of the target URI, for as long as the proof could still be
     * accepted. The jti is hashed so the key has a fixed size whatever the client sent.
     */
    private void firstUse(ProofRequest request, String requestHtu, String jti, BigDecimal iat, BigDecimal now)
            throws DPoPProofException {
        if (replayGuard == ReplayGuard.RECORDED_BY_CALLER) {
            return;
        }
        String jtiHash = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(AccessTokenHash.sha256(jti.getBytes(StandardCharsets.UTF_8)));
        String key = "dpop-jti:" + request.replayScope() + ":" + requestHtu + ":" + jtiHash;
        BigDecimal acceptedUntil = iat.add(ClaimChecks.seconds(policy.maxAge())).add(ClaimChecks.seconds(policy.clockSkew()));
        long ttl = Math.max(1, acceptedUntil.subtract(now).setScale(0, RoundingMode.CEILING).longValueExact() + 1);
        if (!replayGuard.firstUse(key, ttl)) {
            throw DPoPProofException.replay();
        }
    }
}
