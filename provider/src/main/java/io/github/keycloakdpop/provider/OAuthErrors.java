package io.github.keycloakdpop.provider;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** RFC 6749 §5.2 error responses, as the token and PAR endpoints send them. */
final class OAuthErrors {

    static final String INVALID_DPOP_PROOF = "invalid_dpop_proof";

    private OAuthErrors() {
    }

    static Response badRequest(String error, String description) {
        return badRequest(error, description, null);
    }

    /**
     * A refusal made before Keycloak looked at the client, so before it could check the origin against the client's
     * web origins: like Keycloak's own refusals at that stage, it is readable from any origin (it carries nothing but
     * the error).
     */
    static Response badRequest(String error, String description, String origin) {
        Response.ResponseBuilder response = Response.status(Response.Status.BAD_REQUEST)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header("Cache-Control", "no-store")
                .header("Pragma", "no-cache")
                .entity(Map.of("error", error, "error_description", description));
        if (origin != null) {
            response.header("Access-Control-Allow-Origin", origin).header("Access-Control-Allow-Credentials", "true")
                    .header("Access-Control-Expose-Headers", String.join(", ", DPoPCorsFactory.DPOP_RESPONSE_HEADERS));
        }
        return response.build();
    }
}
