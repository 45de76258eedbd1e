package io.github.keycloakdpop.bench;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.oauth2.server.resource.authentication.DPoPAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.authentication.DPoPAuthenticationToken;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.dpop.JWKThumbprintConfirmation;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPIssuer;
import com.nimbusds.oauth2.sdk.dpop.verifiers.DPoPProtectedResourceRequestVerifier;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.oauth2.sdk.util.singleuse.AlreadyUsedException;

import io.github.keycloakdpop.bench.Contenders.MemoryReplayStore;
import io.github.keycloakdpop.bench.ProofPool.ClientKey;
import io.github.keycloakdpop.core.AccessTokenHash;
import io.github.keycloakdpop.core.DPoPProofVerifier;
import io.github.keycloakdpop.core.DPoPResourceCheck;
import io.github.keycloakdpop.core.ProofKeyCache;
import io.github.keycloakdpop.core.ProofPolicy;

/**
 * RFC 9449 §7 at a protected resource, ES256: one request's {@code Authorization: DPoP <token>} header and proof,
 * checked against the access token's {@code cnf.jkt}: the proof (every §4.3 check, single-use jti), its {@code ath}
 * (SHA-256 of the token), and the proof key's thumbprint against {@code cnf.jkt}.
 *
 * <p>Validating the access token itself (its signature, expiry, audience) is the resource server's own business
 * and left out for everyone: each contender gets the token's validated form from a map, keyed by the token it took
 * out of the Authorization header. Sixteen clients, each with its own key and its own 1,000-character token,
 * send 2048 requests round robin.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResourceBench {

    static final URI RESOURCE = URI.create("https://api.example.com/accounts/42/transactions");
    static final String HTM = "GET";
    /** Spring checks iat against the system clock within ±60 s, so the pool is signed again once it is this old. */
    static final Duration RESIGN_AFTER = Duration.ofSeconds(30);

    /** One request to the resource: the Authorization header value and the DPoP proof. */
    record Request(String authorization, String proof) {
    }

    /** One contender's check of one request; returns something of the result, for the blackhole. */
    interface Check {
        String check(Request request) throws Exception;
    }

    @State(Scope.Thread)
    public static class Requests {
        final MemoryReplayStore replay = new MemoryReplayStore();
        /** The clock ours is given: the instant the pool was signed at. */
        final SettableClock clock = new SettableClock();
        /** access token → its cnf.jkt, what validating the token would have told the resource server. */
        final Map<String, String> jkts = new HashMap<>();
        List<ClientKey> keys;
        List<String> tokens;
        List<Request> requests;
        Instant signedAt;
        Check contender;
        int next;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams benchmark) throws Exception {
            keys = ProofPool.keys("ES256", VerifyBench.KNOWN_KEYS);
            tokens = new ArrayList<>();
            for (ClientKey key : keys) {
                String token = accessToken();
                tokens.add(token);
                jkts.put(token, com.nimbusds.jose.jwk.JWK.parse(key.jwk).computeThumbprint().toString());
            }
            sign();
            String method = benchmark.getBenchmark().substring(benchmark.getBenchmark().lastIndexOf('.') + 1);
            contender = switch (method) {
                case "oursResourceCheck" -> ours(replay, clock, jkts);
                case "nimbusResourceVerifier" -> nimbus(replay, jkts);
                case "springDPoPAuthenticationProvider" -> spring(jkts);
                default -> throw new IllegalArgumentException("no contender for " + method);
            };
        }

        /** Between iterations, outside the measurement: a fresh pool when Spring's iat window would close on this one. */
        @Setup(Level.Iteration)
        public void freshEnough() {
            if (Instant.now().isAfter(signedAt.plus(RESIGN_AFTER))) {
                sign();
            }
        }

        private void sign() {
            signedAt = Instant.ofEpochSecond(Instant.now().getEpochSecond());
            clock.set(signedAt);
            long iat = signedAt.getEpochSecond();
            requests = ProofPool.sign(VerifyBench.POOL, i -> {
                String token = tokens.get(i % keys.size());
                return new Request("DPoP " + token,
                        keys.get(i % keys.size()).proof(ProofPool.randomJti(), HTM, RESOURCE, iat, AccessTokenHash.ath(token)));
            });
            next = 0;
            replay.clear();
        }

        Request nextRequest() {
            if (next == requests.size()) {
                next = 0;
                replay.clear();
            }
            return requests.get(next++);
        }
    }

    /** A JWT-shaped opaque access token of about 1,000 characters, like an access token Keycloak issues. */
    static String accessToken() {
        StringBuilder token = new StringBuilder();
        for (int part = 0; part < 3; part++) {
            token.append(part == 0 ? "" : ".");
            for (int i = 0; i < 8; i++) {
                token.append(ProofPool.randomJti()); // 43 base64url characters each
            }
        }
        return token.toString();
    }

    /** Ours: core's DPoPResourceCheck (fast path, default key cache), with the htu spelling check off as for any resource server outside Keycloak. */
    static Check ours(MemoryReplayStore replay, Clock clock, Map<String, String> jkts) {
        ProofPolicy policy = ProofPolicy.defaults().withLiteralHtu(false);
        DPoPProofVerifier verifier = new DPoPProofVerifier(policy, clock, (key, ttl) -> replay.firstUse(key), ProofKeyCache.defaults());
        DPoPResourceCheck check = new DPoPResourceCheck(policy, verifier, "bench-api");
        return request -> {
            DPoPResourceCheck.Credentials credentials = check.credentials(List.of(request.authorization()));
            return check.verify(credentials, List.of(request.proof()), HTM, RESOURCE, jkts.get(credentials.accessToken())).jkt();
        };
    }

    /** Nimbus oauth2-oidc-sdk's DPoPProtectedResourceRequestVerifier: proof, ath and cnf.jkt; a day of clock skew, as in VerifyBench. */
    static Check nimbus(MemoryReplayStore replay, Map<String, String> jkts) {
        DPoPProtectedResourceRequestVerifier verifier = new DPoPProtectedResourceRequestVerifier(Contenders.NIMBUS_ALGS,
                Duration.ofDays(1).toSeconds(), use -> {
                    if (!replay.firstUse(use.getValue().getValue())) {
                        throw new AlreadyUsedException("jti replay");
                    }
                });
        DPoPIssuer issuer = new DPoPIssuer("bench-client");
        return request -> {
            DPoPAccessToken token = DPoPAccessToken.parse(request.authorization());
            String jkt = jkts.get(token.getValue());
            verifier.verify(HTM, RESOURCE, issuer, SignedJWT.parse(request.proof()), token, new JWKThumbprintConfirmation(new Base64URL(jkt)));
            return jkt;
        };
    }

    /**
     * Spring Security's resource-server DPoP path unchanged: DPoPAuthenticationProvider with its own validators
     * (htm, htu, Spring's jti cache, iat within ±60 s of the system clock, ath, cnf.jkt against the jwk thumbprint).
     * Its access-token authentication manager is the map lookup every contender gets. Spring's converter that
     * reads the Authorization header sits in its servlet filter chain; here the token is cut from the header.
     */
    static Check spring(Map<String, String> jkts) {
        Map<String, Authentication> validated = new HashMap<>();
        jkts.forEach((token, jkt) -> validated.put(token, new JwtAuthenticationToken(Jwt.withTokenValue(token)
                .header("alg", "RS256").subject("bench-user").claim("cnf", Map.of("jkt", jkt))
                .issuedAt(Instant.now()).expiresAt(Instant.now().plus(Duration.ofDays(1))).build())));
        DPoPAuthenticationProvider provider = new DPoPAuthenticationProvider(
                authentication -> validated.get(((BearerTokenAuthenticationToken) authentication).getToken()));
        String resource = RESOURCE.toString();
        return request -> {
            String authorization = request.authorization();
            String token = authorization.substring(authorization.indexOf(' ') + 1);
            return provider.authenticate(new DPoPAuthenticationToken(token, request.proof(), HTM, resource)).getName();
        };
    }

    @Benchmark
    public String oursResourceCheck(Requests requests) throws Exception {
        return requests.contender.check(requests.nextRequest());
    }

    @Benchmark
    public String nimbusResourceVerifier(Requests requests) throws Exception {
        return requests.contender.check(requests.nextRequest());
    }

    @Benchmark
    public String springDPoPAuthenticationProvider(Requests requests) throws Exception {
        return requests.contender.check(requests.nextRequest());
    }
}
