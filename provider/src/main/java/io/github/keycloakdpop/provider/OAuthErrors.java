package io.github.keycloakdpop.provider;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** RFC 6749 §5.2 error responses, as the token and PAR endpoints send them. */
final class OAuthErrors {

    private OAuthErrors() {
    }

    static Response badRequest(String error, String description) {
        return Response.status(Response.Status.BAD_REQUEST)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header("Cache-Control", "no-store")
                .header("Pragma", "no-cache")
                .entity(Map.of("error", error, "error_description", description))
                .build();
    }
}
