package io.github.keycloakdpop.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class FrontChannelGateTest {

    @Test
    void implicitAndHybridResponseTypesHandOutTokens() {
        for (String type : new String[] {"token", "id_token", "code token", "code id_token", "id_token  token", " token"}) {
            assertTrue(FrontChannelGate.frontChannelTokens(type), type);
        }
        for (String type : new String[] {"code", "none", "code tokens", "", null}) {
            assertFalse(FrontChannelGate.frontChannelTokens(type), String.valueOf(type));
        }
    }

    @Test
    void theClientIsNamedByClientIdBasicAuthenticationOrAnAssertion() {
        String assertion = "e30." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"sub\":\"svc\",\"iss\":\"svc\"}".getBytes(StandardCharsets.UTF_8)) + ".sig";
        String basic = "Basic " + Base64.getEncoder().encodeToString("my%3Aapp:secret".getBytes(StandardCharsets.UTF_8));

        assertEquals("spa", FrontChannelGate.clientId(Map.of("client_id", "spa")::get, basic));
        assertEquals("my:app", FrontChannelGate.clientId(Map.<String, String>of()::get, basic));
        assertEquals("svc", FrontChannelGate.clientId(Map.of("client_assertion", assertion)::get, null));
        assertEquals(null, FrontChannelGate.clientId(Map.<String, String>of()::get, "Basic !!"));
    }

    @Test
    void aRequestObjectsParametersComeFirst() {
        String payload = Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"response_type\":\"token\",\"exp\":1}".getBytes(StandardCharsets.UTF_8));
        Map<String, String> query = Map.of("response_type", "code", "client_id", "spa", "request", "e30." + payload + ".sig");

        Function<String, String> params = FrontChannelGate.withRequestObject(query::get);

        assertEquals("token", params.apply("response_type"));
        assertEquals("spa", params.apply("client_id"));
        assertEquals("code", FrontChannelGate.withRequestObject(Map.of("response_type", "code",
                "request", "not a jws")::get).apply("response_type"));
    }
}
