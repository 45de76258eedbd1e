package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.provider.keycloak.KeycloakBehaviour;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.PathSegment;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.protocol.oidc.OIDCAdvancedConfigWrapper;
import org.keycloak.protocol.oidc.utils.RedirectUtils;
import org.keycloak.services.Urls;
import org.keycloak.util.JsonSerialization;

/**
 * No token through the front channel for a client that requires DPoP (RFC 9449 §5 binds tokens at the token endpoint
 * only): implicit and hybrid response types ({@code token}, {@code id_token}) are refused at the authorization and
 * pushed-authorization endpoints. Keycloak 26.7 refuses them itself; before 26.7 it hands such a client a Bearer
 * token in the redirect, so there this gate refuses first, as Keycloak 26.7 does: {@code unauthorized_client} in the
 * redirect to the client's registered redirect URI (fragment, or query where asked for), a 401 JSON error at PAR.
 * A redirect URI Keycloak would not accept, or a response mode other than fragment and query, gets an error page.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class FrontChannelGate implements ContainerRequestFilter {

    static final String REFUSAL =
            "DPoP is not supported for implicit nor hybrid flows. Client requires DPoP bound access tokens.";

    @Context
    KeycloakSession session;

    @Override
    public void filter(ContainerRequestContext request) {
        String endpoint = endpoint(request.getUriInfo().getPathSegments());
        RealmModel realm = session.getContext().getRealm();
        if (endpoint == null || KeycloakBehaviour.refusesFrontChannelTokensForDPoPClients()
                || !DPoPPolicyProvider.inForce(session, realm)) {
            return;
        }
        boolean par = "par".equals(endpoint);
        Function<String, String> params;
        if ("GET".equals(request.getMethod()) && !par) {
            params = request.getUriInfo().getQueryParameters()::getFirst;
        } else if ("POST".equals(request.getMethod())
                && MediaType.APPLICATION_FORM_URLENCODED_TYPE.isCompatible(request.getMediaType())) {
            byte[] body;
            try {
                body = request.getEntityStream().readAllBytes();
            } catch (IOException e) {
                return; // Keycloak fails to read it too, and says so
            }
            request.setEntityStream(new ByteArrayInputStream(body));
            params = RejectionEvents.readForm(new ByteArrayInputStream(body), body.length)::get;
        } else {
            return;
        }
        params = withRequestObject(params);
        String clientId = clientId(params, request.getHeaderString("Authorization"));
        ClientModel client = clientId == null ? null : realm.getClientByClientId(clientId);
        if (client == null || !OIDCAdvancedConfigWrapper.fromClientModel(client).isUseDPoP()
                || !frontChannelTokens(params.apply("response_type"))) {
            return;
        }
        if (par) {
            request.abortWith(Response.status(Response.Status.UNAUTHORIZED).type(MediaType.APPLICATION_JSON_TYPE)
                    .header("Cache-Control", "no-store")
                    .entity(Map.of("error", "unauthorized_client", "error_description", REFUSAL)).build());
        } else {
            request.abortWith(refusal(realm, client, params));
        }
    }

    /**
     * The parameters with those of a signed request object ({@code request}, RFC 9101) in front, as Keycloak reads
     * them; an object the gate cannot read (encrypted, malformed) leaves the parameters as they are, and Keycloak
     * judges it.
     */
    static Function<String, String> withRequestObject(Function<String, String> params) {
        String object = params.apply("request");
        String[] parts = object == null ? new String[0] : object.split("\\.");
        if (parts.length != 3) {
            return params;
        }
        try {
            Map<?, ?> claims = JsonSerialization.readValue(Base64.getUrlDecoder().decode(parts[1]), Map.class);
            return name -> claims.get(name) instanceof String value ? value : params.apply(name);
        } catch (IOException | RuntimeException e) {
            return params;
        }
    }

    /**
     * The client named by the request: {@code client_id}, else (at PAR, where the client authenticates) the user of
     * HTTP Basic authentication or the subject of a client assertion. Only read: a refusal needs no authentication,
     * and Keycloak authenticates whatever passes.
     */
    static String clientId(Function<String, String> params, String authorization) {
        if (params.apply("client_id") != null) {
            return params.apply("client_id");
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String pair = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                        StandardCharsets.UTF_8);
                int colon = pair.indexOf(':');
                return colon > 0 ? java.net.URLDecoder.decode(pair.substring(0, colon), StandardCharsets.UTF_8) : null;
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        String assertion = params.apply("client_assertion");
        return assertion == null ? null : withRequestObject(name -> "request".equals(name) ? assertion : null).apply("sub");
    }

    /** Whether the response type hands out a token in the redirect (implicit or hybrid). */
    static boolean frontChannelTokens(String responseType) {
        return responseType != null && Arrays.stream(responseType.trim().split(" +"))
                .anyMatch(type -> type.equals("token") || type.equals("id_token"));
    }

    private Response refusal(RealmModel realm, ClientModel client, Function<String, String> params) {
        String redirectUri = RedirectUtils.verifyRedirectUri(session, params.apply("redirect_uri"), client);
        String mode = params.apply("response_mode");
        boolean fragment = mode == null || mode.equals("fragment");
        if (redirectUri == null || !(fragment || mode.equals("query"))) {
            return Response.status(Response.Status.BAD_REQUEST).type(MediaType.TEXT_PLAIN_TYPE)
                    .header("Cache-Control", "no-store").entity("unauthorized_client: " + REFUSAL).build();
        }
        Map<String, String> error = new LinkedHashMap<>();
        error.put("error", "unauthorized_client");
        error.put("error_description", REFUSAL);
        if (params.apply("state") != null) {
            error.put("state", params.apply("state"));
        }
        if (!OIDCAdvancedConfigWrapper.fromClientModel(client).isExcludeIssuerFromAuthResponse()) {
            error.put("iss", Urls.realmIssuer(session.getContext().getUri().getBaseUri(), realm.getName()));
        }
        StringBuilder location = new StringBuilder(redirectUri);
        location.append(fragment ? '#' : redirectUri.contains("?") ? '&' : '?');
        error.forEach((name, value) -> location.append(name).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)).append('&'));
        location.setLength(location.length() - 1);
        return Response.status(Response.Status.FOUND).location(URI.create(location.toString())).build();
    }

    /** "auth" or "par" for the authorization and pushed-authorization endpoints, else null. */
    static String endpoint(List<PathSegment> path) {
        int n = path.size();
        if (n < 5 || !"realms".equals(path.get(0).getPath()) || !"protocol".equals(path.get(2).getPath())
                || !"openid-connect".equals(path.get(3).getPath())) {
            return null;
        }
        if (n == 5 && "auth".equals(path.get(4).getPath())) {
            return "auth";
        }
        return ProofGate.isPar(path) ? "par" : null;
    }
}
