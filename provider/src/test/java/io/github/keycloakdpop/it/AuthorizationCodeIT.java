package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Refusals.assertInvalidProof;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Authorization code flow with PKCE, {@code dpop_jkt} (RFC 9449 §10) and PAR (§10.1). */
class AuthorizationCodeIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final URI PAR = KC.realmUri("protocol/openid-connect/ext/par/request");

    final ECKey key = Proofs.ecKey();
    final CodeFlow flow = new CodeFlow();

    Http.Response redeem(String code, List<String> dpop) {
        return Http.postForm(TOKEN, form("grant_type", "authorization_code", "client_id", "spa", "code", code,
                "redirect_uri", CodeFlow.REDIRECT_URI, "code_verifier", flow.verifier), null, dpop);
    }


    @Test
    void codeRedeemedWithAProofGivesBoundTokens() {
        String code = flow.code(flow.authorizationRequest("spa"));

        Http.Response tokens = redeem(code, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, tokens.status(), tokens.toString());
        assertEquals("DPoP", tokens.string("token_type"));
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(tokens.string("access_token")));
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(tokens.string("refresh_token")));
    }

    @Test
    void codeBoundWithDpopJktIsRedeemedOnlyWithThatKey() {
        Map<String, String> request = flow.authorizationRequest("spa");
        request.put("dpop_jkt", Proofs.jkt(key));
        String code = flow.code(request);

        assertInvalidProof(redeem(code, List.of(Proofs.proof(Proofs.ecKey(), "POST", TOKEN))));
    }

    @Test
    void codeBoundWithDpopJktWorksWithThatKey() {
        Map<String, String> request = flow.authorizationRequest("spa");
        request.put("dpop_jkt", Proofs.jkt(key));
        String code = flow.code(request);

        Http.Response tokens = redeem(code, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, tokens.status(), tokens.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(tokens.string("access_token")));
    }

    @Test
    void codeBoundWithDpopJktWithoutProofFails() {
        Map<String, String> request = flow.authorizationRequest("spa");
        request.put("dpop_jkt", Proofs.jkt(key));
        String code = flow.code(request);

        assertInvalidProof(redeem(code, List.of()));
    }

    Http.Response par(Map<String, String> request, List<String> dpop) {
        return Http.postForm(PAR, request, null, dpop);
    }

    @Test
    void parWithADpopHeaderBindsTheCode() {
        Http.Response pushed = par(flow.authorizationRequest("spa"), List.of(Proofs.proof(key, "POST", PAR)));
        assertEquals(201, pushed.status(), pushed.toString());
        String code = flow.code(Map.of("client_id", "spa", "request_uri", pushed.string("request_uri")));

        assertInvalidProof(redeem(code, List.of(Proofs.proof(Proofs.ecKey(), "POST", TOKEN))));
    }

    @Test
    void parWithADpopHeaderThenTheSameKeyGivesBoundTokens() {
        Http.Response pushed = par(flow.authorizationRequest("spa"), List.of(Proofs.proof(key, "POST", PAR)));
        String code = flow.code(Map.of("client_id", "spa", "request_uri", pushed.string("request_uri")));

        Http.Response tokens = redeem(code, List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(200, tokens.status(), tokens.toString());
        assertEquals(Proofs.jkt(key), Tokens.cnfJkt(tokens.string("access_token")));
    }

    @Test
    void parWithDpopJktBindsTheCode() {
        Map<String, String> request = flow.authorizationRequest("spa");
        request.put("dpop_jkt", Proofs.jkt(key));
        Http.Response pushed = par(request, List.of());
        assertEquals(201, pushed.status(), pushed.toString());
        String code = flow.code(Map.of("client_id", "spa", "request_uri", pushed.string("request_uri")));

        assertInvalidProof(redeem(code, List.of(Proofs.proof(Proofs.ecKey(), "POST", TOKEN))));
    }

    @Test
    void parWithDpopJktOfAnotherKeyThanItsHeaderIsRefused() {
        Map<String, String> request = flow.authorizationRequest("spa");
        request.put("dpop_jkt", Proofs.jkt(Proofs.ecKey()));

        Http.Response pushed = par(request, List.of(Proofs.proof(key, "POST", PAR)));

        assertEquals(400, pushed.status(), pushed.toString());
        assertEquals("invalid_dpop_proof", pushed.string("error"), pushed.toString());
        assertNull(pushed.json().get("request_uri"));
    }

    @Test
    void parWithABadProofIsInvalidDpopProof() {
        Http.Response pushed = par(flow.authorizationRequest("spa"), List.of(Proofs.proof(key, "POST", TOKEN)));

        assertEquals(400, pushed.status(), pushed.toString());
        assertEquals("invalid_dpop_proof", pushed.string("error"), pushed.toString());
        assertTrue(pushed.string("error_description").contains("htu"), pushed.toString());
    }
}
