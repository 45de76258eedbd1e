package io.github.keycloakdpop.it;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The CIBA authentication device's side of Keycloak's HTTP authentication channel: Keycloak POSTs each backchannel
 * authentication request here (a JSON body and a bearer token for the callback); this stub keeps them for the tests
 * and answers 201, as a real channel does once it has reached the user.
 */
public final class CibaChannel {

    /** One request Keycloak sent to the channel. */
    public record Request(String authorization, Map<String, Object> body) {
        public String bindingMessage() {
            return (String) body.get("binding_message");
        }
    }

    private final HttpServer server;
    private final LinkedBlockingQueue<Request> requests = new LinkedBlockingQueue<>();

    private CibaChannel(HttpServer server) {
        this.server = server;
    }

    static CibaChannel start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            CibaChannel channel = new CibaChannel(server);
            server.createContext("/ciba-channel", exchange -> {
                try (InputStream in = exchange.getRequestBody()) {
                    String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    channel.requests.add(new Request(exchange.getRequestHeaders().getFirst("Authorization"),
                            JSONObjectUtils.parse(body)));
                    exchange.sendResponseHeaders(201, -1);
                } catch (ParseException e) {
                    exchange.sendResponseHeaders(400, -1);
                } finally {
                    exchange.close();
                }
            });
            server.start();
            return channel;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ciba-channel");
    }

    /** The request Keycloak sent with this binding message, waiting for it up to 10 seconds. */
    public Request awaitRequest(String bindingMessage) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            while (System.nanoTime() < deadline) {
                Request request = requests.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (request != null && bindingMessage.equals(request.bindingMessage())) {
                    return request;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new AssertionError("Keycloak sent no authentication channel request with binding message " + bindingMessage);
    }

    void stop() {
        server.stop(0);
    }
}
