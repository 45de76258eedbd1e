package io.github.keycloakdpop.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The RFC 9449 refusals, as a client sees them. */
public final class Refusals {

    private Refusals() {
    }

    /** {@code 400 invalid_dpop_proof} with a description, and no token. */
    public static void assertInvalidProof(Http.Response response) {
        assertEquals(400, response.status(), response.toString());
        assertEquals("invalid_dpop_proof", response.string("error"), response.toString());
        String description = response.string("error_description");
        assertFalse(description == null || description.isBlank(), response.toString());
        assertNull(response.json().get("access_token"), response.toString());
    }
}
