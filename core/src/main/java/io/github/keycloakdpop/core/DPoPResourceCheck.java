package io.github.keycloakdpop.core;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RFC 9449 §7 for a protected resource: checks how one request presents its access token ({@code Authorization}
 * header) and its DPoP proof against the key the token is bound to, and says what to answer when that fails
 * (status, §7.1 error, and the {@code WWW-Authenticate} challenges of §7.1 and §7.2).
 *
 * <p>The resource server validates the access token itself (signature, issuer, expiry, audience, ...) and passes
 * the token's {@code cnf.jkt}; this class never looks inside the token. Two steps:
 *
 * <pre>{@code
 * DPoPResourceCheck check = new DPoPResourceCheck(policy, clock, replayGuard, "my-api").acceptingBearer();
 * try {
 *     DPoPResourceCheck.Credentials credentials = check.credentials(request.headers("Authorization"));
 *     Claims claims = validate(credentials.accessToken()); // if invalid: throw check.invalidToken(credentials, "...")
 *     check.verify(credentials, request.headers("DPoP"), request.method(), request.uri(), claims.cnfJkt());
 * } catch (DPoPResourceCheck.Refusal refusal) {
 *     respond(refusal.status(), refusal.wwwAuthenticate()); // one WWW-Authenticate header line per element
 * }
 * }</pre>
 *
 * <p>A resource server outside Keycloak usually wants {@code policy.withLiteralHtu(false)}: the literal {@code htu}
 * spelling is only needed where Keycloak's own re-check follows.
 */
public final class DPoPResourceCheck {

    public static final String INVALID_TOKEN = "invalid_token";
    public static final String INVALID_DPOP_PROOF = DPoPProofException.INVALID_DPOP_PROOF;
    public static final String INVALID_REQUEST = "invalid_request";
    /** RFC 9449 §9: the resource server wants a nonce of its own in the proof. */
    public static final String USE_DPOP_NONCE = "use_dpop_nonce";

    static final String DPOP = "DPoP";
    static final String BEARER = "Bearer";

    /** RFC 9449 §7.1: {@code credentials = "DPoP" 1*SP token68} (and the same for Bearer, RFC 6750 §2.1). */
    private static final Pattern CREDENTIALS = Pattern.compile("([!#$%&'*+.^_`|~0-9A-Za-z-]+)(.*)", Pattern.DOTALL);
    private static final Pattern TOKEN68 = Pattern.compile(" +([A-Za-z0-9._~+/-]+=*)");

    private final DPoPProofVerifier verifier;
    private final String algs;
    private final String replayScope;
    private final boolean bearerAccepted;

    /**
     * A check for a resource that accepts only DPoP-bound tokens with the DPoP scheme.
     *
     * @param replayScope namespace of this resource's proof identifiers in {@code replayGuard}
     */
    public DPoPResourceCheck(ProofPolicy policy, Clock clock, ReplayGuard replayGuard, String replayScope) {
        this(new DPoPProofVerifier(policy, clock, replayGuard), algs(policy), replayScope, false);
    }

    /**
     * The same, with a verifier of the caller's (for example one sharing a {@link ProofKeyCache} across requests);
     * {@code policy} must be the one the verifier applies, for the {@code algs} of the challenges.
     */
    public DPoPResourceCheck(ProofPolicy policy, DPoPProofVerifier verifier, String replayScope) {
        this(verifier, algs(policy), replayScope, false);
    }

    private DPoPResourceCheck(DPoPProofVerifier verifier, String algs, String replayScope, boolean bearerAccepted) {
        this.verifier = verifier;
        this.algs = algs;
        this.replayScope = Objects.requireNonNull(replayScope, "replayScope");
        this.bearerAccepted = bearerAccepted;
    }

    /**
     * The same check for a resource that also accepts unbound tokens with the Bearer scheme (RFC 9449 §7.2); a
     * DPoP-bound token sent as a Bearer token is still refused.
     */
    public DPoPResourceCheck acceptingBearer() {
        return new DPoPResourceCheck(verifier, algs, replayScope, true);
    }

    /** How the request presents its access token. */
    public record Credentials(String scheme, String accessToken) {

        public Credentials {
            if (!DPOP.equals(scheme) && !BEARER.equals(scheme)) {
                throw new IllegalArgumentException("scheme must be DPoP or Bearer");
            }
            Objects.requireNonNull(accessToken, "accessToken");
        }

        public boolean dpop() {
            return DPOP.equals(scheme);
        }
    }

    /**
     * Why a request is refused: the HTTP status, the error code (null when the request carried no credentials at
     * all, RFC 6750 §3.1), a description for developers, and the {@code WWW-Authenticate} values to send, one header
     * line each, the one carrying the error first.
     */
    public static final class Refusal extends Exception {

        private static final long serialVersionUID = 1L;

        private final int status;
        private final String error;
        private final List<String> wwwAuthenticate;
        private DPoPProofException.Reason proofReason;

        Refusal(int status, String error, String description, List<String> wwwAuthenticate) {
            // No stack trace: any client can cause this on every request.
            super(description, null, false, false);
            this.status = status;
            this.error = error;
            this.wwwAuthenticate = List.copyOf(wwwAuthenticate);
        }

        private Refusal because(DPoPProofException.Reason reason) {
            this.proofReason = reason;
            return this;
        }

        public int status() {
            return status;
        }

        /** {@code invalid_token}, {@code invalid_dpop_proof}, {@code invalid_request}, or null for "no credentials". */
        public String error() {
            return error;
        }

        public String description() {
            return getMessage();
        }

        public List<String> wwwAuthenticate() {
            return wwwAuthenticate;
        }

        /**
         * For an {@code invalid_dpop_proof} refusal, which group of proof checks refused the proof (a fixed set, for
         * counting refusals); null for every other refusal.
         */
        public DPoPProofException.Reason proofReason() {
            return proofReason;
        }
    }

    /**
     * Step 1: the access token and its scheme, from every value of the {@code Authorization} header.
     *
     * @throws Refusal 401 without an error code if there are no DPoP or Bearer credentials; 400
     *                 {@code invalid_request} if there is more than one {@code Authorization} header or it is not
     *                 {@code <scheme> <token68>}; 401 {@code invalid_token} for the Bearer scheme when this resource
     *                 does not accept it
     */
    public Credentials credentials(List<String> authorization) throws Refusal {
        if (authorization == null || authorization.isEmpty()) {
            throw noCredentials();
        }
        if (authorization.size() > 1) {
            throw refusal(400, null, INVALID_REQUEST, "Exactly one Authorization header is allowed");
        }
        String value = authorization.get(0) == null ? "" : authorization.get(0).strip();
        Matcher credentials = CREDENTIALS.matcher(value);
        String scheme = credentials.matches() ? canonicalScheme(credentials.group(1)) : null;
        if (scheme == null) {
            throw noCredentials(); // another scheme (Basic, ...) or no scheme: nothing this resource understands
        }
        Matcher token = TOKEN68.matcher(credentials.group(2));
        if (!token.matches()) {
            throw refusal(400, scheme, INVALID_REQUEST,
                    "The Authorization header must be: " + scheme + " <access token>");
        }
        if (BEARER.equals(scheme) && !bearerAccepted) {
            throw refusal(401, DPOP, INVALID_TOKEN,
                    "This resource accepts only DPoP-bound access tokens: send the token with the DPoP scheme and a DPoP proof");
        }
        return new Credentials(scheme, token.group(1));
    }

    /**
     * Step 2: RFC 9449 §7.1 and §7.2 for a token the resource server has validated.
     *
     * @param dpop   every value of the {@code DPoP} header as received
     * @param method the request method
     * @param uri    the request URI as the resource server sees it (query and fragment are ignored)
     * @param cnfJkt the {@code cnf.jkt} of the validated token, or null if it is not DPoP-bound
     * @return the verified proof; null for an unbound token presented with the Bearer scheme (accepted as Bearer)
     * @throws Refusal 401 {@code invalid_dpop_proof} for a bad proof, 401 {@code invalid_token} for a token presented
     *                 with the wrong scheme or bound to another key than the proof's
     */
    public VerifiedProof verify(Credentials credentials, List<String> dpop, String method, URI uri, String cnfJkt)
            throws Refusal {
        if (!credentials.dpop()) {
            if (cnfJkt != null) {
                // RFC 9449 §7.2: a DPoP-bound token must never be accepted as a bearer token.
                throw refusal(401, BEARER, INVALID_TOKEN,
                        "The access token is DPoP-bound: send it with the DPoP scheme and a DPoP proof");
            }
            return null;
        }
        if (cnfJkt == null) {
            throw refusal(401, DPOP, INVALID_TOKEN, bearerAccepted
                    ? "The access token is not DPoP-bound: send it with the Bearer scheme"
                    : "The access token is not DPoP-bound");
        }
        VerifiedProof proof;
        try {
            proof = verifier.verify(new ProofRequest(dpop, method, uri, credentials.accessToken(), replayScope));
        } catch (DPoPProofException e) {
            throw refusal(401, DPOP, e.error(), e.description()).because(e.reason());
        }
        if (!cnfJkt.equals(proof.jkt())) {
            throw refusal(401, DPOP, INVALID_TOKEN, "The DPoP proof key is not the key the access token is bound to");
        }
        return proof;
    }

    /** The refusal for a token the resource server found invalid (bad signature, expired, wrong audience, ...). */
    public Refusal invalidToken(Credentials credentials, String description) {
        return refusal(401, credentials.scheme(), INVALID_TOKEN, description);
    }

    /**
     * The refusal for a verified proof without a valid nonce of this resource server (RFC 9449 §9): 401
     * {@code use_dpop_nonce} in the DPoP challenge. The resource server sends a fresh nonce with it in a
     * {@code DPoP-Nonce} header; making and checking nonces is its business (see {@link DPoPNonces}).
     */
    public Refusal useDPoPNonce(String description) {
        return refusal(401, DPOP, USE_DPOP_NONCE, description);
    }

    /** The refusal for a request without credentials: a challenge for each accepted scheme, no error (RFC 6750 §3.1). */
    public Refusal noCredentials() {
        return refusal(401, null, null, null);
    }

    /** A refusal whose error travels in the challenge of {@code scheme}, or of every scheme when it is null. */
    private Refusal refusal(int status, String scheme, String error, String description) {
        String dpopError = scheme == null || DPOP.equals(scheme) || !bearerAccepted ? error : null;
        String bearerError = bearerAccepted && (scheme == null || BEARER.equals(scheme)) ? error : null;
        String dpop = challenge(DPOP, dpopError, description, algs);
        if (!bearerAccepted) {
            return new Refusal(status, error, description, List.of(dpop));
        }
        String bearer = challenge(BEARER, bearerError, description, null);
        return new Refusal(status, error, description, bearerError != null && dpopError == null
                ? List.of(bearer, dpop) : List.of(dpop, bearer));
    }

    /** {@code scheme error="...", error_description="...", algs="..."}, each parameter only when there is one. */
    static String challenge(String scheme, String error, String description, String algs) {
        List<String> params = new ArrayList<>();
        if (error != null) {
            params.add("error=\"" + error + "\"");
            if (description != null) {
                params.add("error_description=\"" + quotable(description) + "\"");
            }
        }
        if (algs != null) {
            params.add("algs=\"" + algs + "\"");
        }
        return params.isEmpty() ? scheme : scheme + " " + String.join(", ", params);
    }

    /** RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E; anything else becomes '?'. */
    static String quotable(String description) {
        StringBuilder out = new StringBuilder(description.length());
        for (int i = 0; i < description.length(); i++) {
            char c = description.charAt(i);
            out.append(c >= 0x20 && c <= 0x7E && c != '"' && c != '\\' ? c : '?');
        }
        return out.toString();
    }

    private static String canonicalScheme(String scheme) {
        // Authentication schemes are case-insensitive (RFC 9110 §11.1).
        return switch (scheme.toLowerCase(Locale.ROOT)) {
            case "dpop" -> DPOP;
            case "bearer" -> BEARER;
            default -> null;
        };
    }

    private static String algs(ProofPolicy policy) {
        return String.join(" ", new TreeSet<>(policy.allowedAlgorithms()));
    }
}
