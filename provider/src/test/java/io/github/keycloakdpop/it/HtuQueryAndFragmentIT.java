package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.ECKey;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RFC 9449 §4.3 item 9: {@code htu} is compared "ignoring any query and fragment parts", at every endpoint that
 * takes a proof. Keycloak 26.7 does so in its own re-check too, so there the plugin accepts such a proof everywhere.
 * Keycloak 26.4 to 26.6 keep the fragment in their re-check and refuse such a proof wherever it runs (token endpoint,
 * PAR, userinfo, account API): there the plugin refuses it first, with {@code invalid_dpop_proof}
 * (docs/compatibility.md). Logout and revocation take the RFC as the reference on every release: Keycloak checks no
 * proof there.
 */
class HtuQueryAndFragmentIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final URI TOKEN = KC.tokenEndpoint();
    static final URI PAR = KC.realmUri("protocol/openid-connect/ext/par/request");
    static final URI LOGOUT = KC.realmUri("protocol/openid-connect/logout");
    static final URI REVOKE = KC.realmUri("protocol/openid-connect/revoke");
    /** Whether Keycloak's own re-check drops the fragment, as the RFC says. */
    static final boolean RECHECK_DROPS_FRAGMENT = KeycloakServer.atLeast(26, 7);

    final ECKey key = Proofs.ecKey();

    static String proof(ECKey key, String htm, URI uri, String suffix, String accessToken) {
        return Proofs.crafted(key, htm, uri, c -> {
            c.claim("htu", uri + suffix);
            if (accessToken != null) {
                c.claim("ath", AccountApiIT.ath(accessToken));
            }
        });
    }

    static void assertAsTheRecheck(Http.Response response, int success) {
        if (RECHECK_DROPS_FRAGMENT) {
            assertEquals(success, response.status(), response.toString());
        } else {
            assertEquals("invalid_dpop_proof", response.string("error") != null ? response.string("error")
                    : response.header("WWW-Authenticate").contains("invalid_dpop_proof") ? "invalid_dpop_proof"
                    : response.toString(), response.toString());
            assertTrue(response.status() == 400 || response.status() == 401, response.toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"?q=1#frag", "#frag"})
    void atTheTokenEndpointForAFlaggedAndAnUnflaggedClient(String suffix) {
        for (String client : List.of("service", "legacy")) {
            Http.Response response = Http.postForm(TOKEN, form("grant_type", "client_credentials"),
                    basic(client, client + "-secret"), List.of(proof(key, "POST", TOKEN, suffix, null)));
            assertAsTheRecheck(response, 200);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"?q=1#frag", "#frag"})
    void atPar(String suffix) {
        Http.Response response = Http.postForm(PAR, form("client_id", "spa", "response_type", "code",
                "redirect_uri", CodeFlow.REDIRECT_URI, "scope", "openid",
                "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method", "S256"),
                null, List.of(proof(key, "POST", PAR, suffix, null)));
        assertAsTheRecheck(response, 201);
    }

    /** Userinfo and the account API, where Keycloak re-checks every proof. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"protocol/openid-connect/userinfo, ?q=1#frag", "protocol/openid-connect/userinfo, #frag",
            "account, ?q=1#frag", "account, #frag"})
    void atAResourceEndpoint(String path, String suffix) {
        URI resource = KC.realmUri(path);
        String token = ResourceClient.boundAccessToken(key);
        Http.Response response = ResourceClient.get(resource, "DPoP " + token,
                proof(key, "GET", resource, suffix, token));
        assertAsTheRecheck(response, 200);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"?q=1#frag", "#frag"})
    void atLogoutOnEveryRelease(String suffix) {
        String refreshToken = ResourceClient.spaTokens(key).string("refresh_token");
        Http.Response response = Http.postForm(LOGOUT, form("client_id", "spa", "refresh_token", refreshToken), null,
                List.of(proof(key, "POST", LOGOUT, suffix, null)));
        assertEquals(204, response.status(), response.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"?q=1#frag", "#frag"})
    void atRevocationOnEveryRelease(String suffix) {
        String refreshToken = ResourceClient.spaTokens(key).string("refresh_token");
        Http.Response response = Http.postForm(REVOKE, form("client_id", "spa", "token", refreshToken), null,
                List.of(proof(key, "POST", REVOKE, suffix, null)));
        assertEquals(200, response.status(), response.toString());
    }
}
