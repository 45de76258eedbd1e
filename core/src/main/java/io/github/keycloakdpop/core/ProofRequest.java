package io.github.keycloakdpop.core;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * What the server knows about the request a proof is for.
 *
 * @param dpopHeaderValues every value of the DPoP header as received; null or empty means "missing"
 * @param htm              the request method, e.g. {@code POST}
 * @param htu              the endpoint URI as the server sees it; a query or fragment in it is ignored
 * @param accessToken      the access token sent with the request, or null; when present {@code ath} is required
 * @param replayScope      namespace of the replay key, e.g. the realm name
 */
public record ProofRequest(List<String> dpopHeaderValues, String htm, URI htu, String accessToken,
                           String replayScope) {

    public ProofRequest {
        // These come from the server, never from the client: a null is a programming error.
        Objects.requireNonNull(htm, "htm");
        Objects.requireNonNull(htu, "htu");
        Objects.requireNonNull(replayScope, "replayScope");
    }
}
