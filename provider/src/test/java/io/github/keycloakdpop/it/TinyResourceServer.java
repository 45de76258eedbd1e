package io.github.keycloakdpop.it;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.keycloakdpop.core.DPoPResourceCheck;
import io.github.keycloakdpop.core.DPoPResourceCheck.Credentials;
import io.github.keycloakdpop.core.DPoPResourceCheck.Refusal;
import io.github.keycloakdpop.core.ProofPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A protected resource as a Java team would write one with only keycloak-dpop's core: it validates Keycloak's access
 * tokens itself (signature with the realm's JWKS, issuer, expiry, audience {@code service}, with Nimbus), and hands
 * the {@code Authorization} and {@code DPoP} headers and the token's {@code cnf.jkt} to {@link DPoPResourceCheck}.
 * It accepts only DPoP-bound tokens. {@code GET /api/hello} answers {@code hello <sub>}.
 */
final class TinyResourceServer implements AutoCloseable {

    private final HttpServer server;
    private final DefaultJWTProcessor<SecurityContext> tokens;
    private final DPoPResourceCheck check;

    private TinyResourceServer(HttpServer server, DefaultJWTProcessor<SecurityContext> tokens) {
        this.server = server;
        this.tokens = tokens;
        Map<String, Long> seenJtis = new ConcurrentHashMap<>();
        // An in-memory single-use store is enough for one instance (entries are never evicted in this sketch).
        this.check = new DPoPResourceCheck(ProofPolicy.defaults().withLiteralHtu(false), Clock.systemUTC(),
                (key, ttl) -> seenJtis.putIfAbsent(key, ttl) == null, "tiny-resource-server");
        server.createContext("/api/hello", this::hello);
        server.start();
    }

    /** Starts on a free port of 127.0.0.1, trusting the tokens of {@code keycloak}'s demo realm. */
    static TinyResourceServer start(KeycloakServer keycloak) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            return new TinyResourceServer(server, tokenProcessor(keycloak));
        } catch (IOException | java.text.ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private static DefaultJWTProcessor<SecurityContext> tokenProcessor(KeycloakServer keycloak)
            throws IOException, java.text.ParseException {
        JWKSet keys = JWKSet.load(keycloak.realmUri("protocol/openid-connect/certs").toURL());
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, new ImmutableJWKSet<>(keys)));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>("service",
                new JWTClaimsSet.Builder().issuer(keycloak.realmUri("").toString().replaceAll("/$", "")).build(),
                Set.of("exp", "sub")));
        return processor;
    }

    private void hello(HttpExchange exchange) throws IOException {
        URI requestUri = uri(exchange.getRequestURI().toString());
        try {
            Credentials credentials = check.credentials(exchange.getRequestHeaders().get("Authorization"));
            JWTClaimsSet claims = validate(credentials);
            check.verify(credentials, exchange.getRequestHeaders().get("DPoP"), exchange.getRequestMethod(),
                    requestUri, cnfJkt(claims));
            respond(exchange, 200, "hello " + claims.getSubject());
        } catch (Refusal refusal) {
            refusal.wwwAuthenticate().forEach(challenge -> exchange.getResponseHeaders().add("WWW-Authenticate", challenge));
            respond(exchange, refusal.status(), refusal.error() == null ? "" : refusal.error());
        }
    }

    private JWTClaimsSet validate(Credentials credentials) throws Refusal {
        try {
            return tokens.process(credentials.accessToken(), null);
        } catch (Exception e) {
            throw check.invalidToken(credentials, "The access token is invalid or expired");
        }
    }

    private static String cnfJkt(JWTClaimsSet claims) {
        Object cnf = claims.getClaim("cnf");
        return cnf instanceof Map<?, ?> map && map.get("jkt") instanceof String jkt ? jkt : null;
    }

    private static void respond(HttpExchange exchange, int status, String body) {
        try (exchange) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                exchange.getResponseBody().write(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
