package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.ProofPolicy;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.PathSegment;
import jakarta.ws.rs.ext.Provider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.keycloak.representations.idm.ClientPolicyExecutorRepresentation;
import org.keycloak.representations.idm.ClientProfileRepresentation;
import org.keycloak.representations.idm.ClientProfilesRepresentation;
import org.keycloak.util.JsonSerialization;

/**
 * Says why a {@code dpop-policy} executor's settings cannot be saved. Keycloak asks the executor's configuration
 * only for yes or no ({@link DPoPPolicyExecutorFactory.Configuration#validateConfig}) and then answers with a generic
 * message; where it refused a client-profiles save with {@code 400}, this filter replaces that answer with the
 * reasons spelled out. Keycloak decides everything first, its permission check included: a caller it would not let
 * save gets its {@code 403}, and nothing but Keycloak's own refusal is rewritten. The body is read whole and handed
 * on unchanged.
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class PolicyConfigGate implements ContainerRequestFilter, ContainerResponseFilter {

    private static final String BODY = PolicyConfigGate.class.getName() + ".body";

    @Override
    public void filter(ContainerRequestContext request) {
        if (!"PUT".equals(request.getMethod()) || !isProfilesUpdate(request.getUriInfo().getPathSegments())) {
            return;
        }
        byte[] body;
        try {
            body = request.getEntityStream().readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        request.setEntityStream(new ByteArrayInputStream(body));
        request.setProperty(BODY, body);
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (response.getStatus() != 400 || !(request.getProperty(BODY) instanceof byte[] body)) {
            return;
        }
        List<String> problems = problems(body, DefaultDPoPPolicyProviderFactory.serverPolicy());
        if (!problems.isEmpty()) {
            String description = String.join(". ", problems);
            Map<String, String> error = new LinkedHashMap<>();
            error.put("error", "invalid_dpop_policy");
            error.put("error_description", description);
            error.put("errorMessage", description); // the field Keycloak's admin API errors use
            response.setEntity(error, new java.lang.annotation.Annotation[0], MediaType.APPLICATION_JSON_TYPE);
        }
    }

    static List<String> problems(byte[] body, ProofPolicy server) {
        ClientProfilesRepresentation profiles;
        try {
            profiles = JsonSerialization.readValue(body, ClientProfilesRepresentation.class);
        } catch (IOException | RuntimeException e) {
            return List.of(); // not ours to judge: Keycloak answers malformed input itself
        }
        List<String> problems = new ArrayList<>();
        for (ClientProfileRepresentation profile : profiles.getProfiles() == null ? List.<ClientProfileRepresentation>of()
                : profiles.getProfiles()) {
            for (ClientPolicyExecutorRepresentation executor : profile.getExecutors() == null
                    ? List.<ClientPolicyExecutorRepresentation>of() : profile.getExecutors()) {
                if (DPoPPolicyExecutorFactory.ID.equals(executor.getExecutorProviderId())) {
                    DPoPPolicyExecutorFactory.Configuration config;
                    try {
                        config = JsonSerialization.mapper.convertValue(executor.getConfiguration(),
                                DPoPPolicyExecutorFactory.Configuration.class);
                    } catch (IllegalArgumentException e) {
                        problems.add("Profile " + profile.getName() + ": the DPoP policy settings are not valid JSON values");
                        continue;
                    }
                    DPoPPolicyExecutorFactory.problems(config, server)
                            .forEach(problem -> problems.add("Profile " + profile.getName() + ": " + problem));
                }
            }
        }
        return problems;
    }

    /** admin/realms/{realm}/client-policies/profiles */
    private static boolean isProfilesUpdate(List<PathSegment> path) {
        return path.size() == 5 && "admin".equals(path.get(0).getPath()) && "realms".equals(path.get(1).getPath())
                && "client-policies".equals(path.get(3).getPath()) && "profiles".equals(path.get(4).getPath());
    }
}
