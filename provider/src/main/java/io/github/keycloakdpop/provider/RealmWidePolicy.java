package io.github.keycloakdpop.provider;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.keycloakdpop.core.ProofPolicy;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.keycloak.models.Constants;
import org.keycloak.models.RealmModel;
import org.keycloak.representations.idm.ClientPoliciesRepresentation;
import org.keycloak.representations.idm.ClientPolicyConditionRepresentation;
import org.keycloak.representations.idm.ClientPolicyRepresentation;
import org.keycloak.representations.idm.ClientProfileRepresentation;
import org.keycloak.representations.idm.ClientProfilesRepresentation;
import org.keycloak.util.JsonSerialization;

/**
 * The realm's proof policy: the server's, narrowed by the {@code dpop-policy} executors of enabled client policies
 * whose only condition is {@code any-client}. Those apply to every client, so they can be enforced before the client
 * is known (at the token endpoint's gate, userinfo, the account API) and published in discovery and in challenges.
 * Executors under narrower conditions are applied per client, after authentication ({@link ClientProofCheck}).
 */
final class RealmWidePolicy {

    private static final Logger LOG = Logger.getLogger(RealmWidePolicy.class);
    private static final String ANY_CLIENT = "any-client";

    /** Per realm, recomputed only when its client policies or profiles change (Keycloak caches the realm's strings). */
    private record Entry(String policies, String profiles, ProofPolicy server, ProofPolicy narrowed) {
    }

    private static final Map<String, Entry> CACHE = new ConcurrentHashMap<>();

    private RealmWidePolicy() {
    }

    static ProofPolicy of(RealmModel realm, ProofPolicy server) {
        String policies = realm.getAttribute(Constants.CLIENT_POLICIES);
        String profiles = realm.getAttribute(Constants.CLIENT_PROFILES);
        Entry entry = CACHE.get(realm.getId());
        if (entry == null || entry.server != server || !Objects.equals(entry.policies, policies)
                || !Objects.equals(entry.profiles, profiles)) {
            entry = new Entry(policies, profiles, server, narrow(server, policies, profiles, realm.getName()));
            CACHE.put(realm.getId(), entry);
        }
        return entry.narrowed;
    }

    /** Whether any client profile of the realm has a {@code dpop-policy} executor (else no lookup is needed). */
    static boolean hasExecutors(RealmModel realm) {
        String profiles = realm.getAttribute(Constants.CLIENT_PROFILES);
        return profiles != null && profiles.contains('"' + DPoPPolicyExecutorFactory.ID + '"');
    }

    static ProofPolicy narrow(ProofPolicy server, String policiesJson, String profilesJson, String realmName) {
        if (policiesJson == null || profilesJson == null) {
            return server;
        }
        try {
            ClientPoliciesRepresentation policies = JsonSerialization.readValue(policiesJson, ClientPoliciesRepresentation.class);
            ClientProfilesRepresentation profiles = JsonSerialization.readValue(profilesJson, ClientProfilesRepresentation.class);
            DPoPPolicyExecutorFactory.Configuration[] executors = realmWideExecutors(policies, profiles);
            if (executors.length == 0) {
                return server;
            }
            DPoPSettings settings = new DPoPSettings();
            for (DPoPPolicyExecutorFactory.Configuration executor : executors) {
                settings.add(executor);
            }
            return settings.narrow(server);
        } catch (IOException | IllegalArgumentException e) {
            // Keycloak validated these on save; if they cannot be read, the server's policy stands and says why
            LOG.warnf("keycloak-dpop: cannot read the client policies of realm %s (%s); using the server-wide DPoP policy",
                    realmName, e.getMessage());
            return server;
        }
    }

    private static DPoPPolicyExecutorFactory.Configuration[] realmWideExecutors(ClientPoliciesRepresentation policies,
                                                                                ClientProfilesRepresentation profiles) {
        Set<String> realmWideProfiles = new HashSet<>();
        for (ClientPolicyRepresentation policy : nullToEmpty(policies.getPolicies())) {
            if (Boolean.TRUE.equals(policy.isEnabled()) && appliesToEveryClient(policy.getConditions())) {
                realmWideProfiles.addAll(nullToEmpty(policy.getProfiles()));
            }
        }
        return nullToEmpty(profiles.getProfiles()).stream()
                .filter(profile -> realmWideProfiles.contains(profile.getName()))
                .map(ClientProfileRepresentation::getExecutors).flatMap(e -> nullToEmpty(e).stream())
                .filter(executor -> DPoPPolicyExecutorFactory.ID.equals(executor.getExecutorProviderId()))
                .map(executor -> JsonSerialization.mapper.convertValue(executor.getConfiguration(),
                        DPoPPolicyExecutorFactory.Configuration.class))
                .toArray(DPoPPolicyExecutorFactory.Configuration[]::new);
    }

    private static boolean appliesToEveryClient(List<ClientPolicyConditionRepresentation> conditions) {
        return conditions != null && !conditions.isEmpty() && conditions.stream().allMatch(condition ->
                ANY_CLIENT.equals(condition.getConditionProviderId()) && !negated(condition.getConfiguration()));
    }

    private static boolean negated(JsonNode configuration) {
        return configuration != null && configuration.path("is_negative_logic").asBoolean(false);
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
