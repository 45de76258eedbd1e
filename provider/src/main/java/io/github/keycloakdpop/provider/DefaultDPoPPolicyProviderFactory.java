package io.github.keycloakdpop.provider;

import io.github.keycloakdpop.core.DPoPNonces;
import io.github.keycloakdpop.core.ProofPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import io.github.keycloakdpop.provider.keycloak.KeycloakBehaviour;
import io.github.keycloakdpop.provider.keycloak.KeycloakInternals;
import io.github.keycloakdpop.provider.keycloak.VersionGuard;
import org.jboss.logging.Logger;
import org.keycloak.Config;
import org.keycloak.common.Profile;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.provider.ServerInfoAwareProviderFactory;
import org.keycloak.services.util.DPoPUtil;

/**
 * Server-wide proof policy, read once at startup and checked against what Keycloak's built-in DPoP re-check accepts
 * (see README, "Integration contract"): a window or an algorithm it would refuse is a startup error, not a proof
 * that passes our gate and then fails with Keycloak's {@code invalid_request}.
 */
public class DefaultDPoPPolicyProviderFactory implements DPoPPolicyProviderFactory, ServerInfoAwareProviderFactory {

    /** Keycloak's re-check accepts {@code iat} from now − 25 s to now + 15 s (every tested release), in seconds. */
    static final Duration BUILT_IN_PAST = KeycloakInternals.recheckPast();
    static final Duration BUILT_IN_FUTURE = KeycloakInternals.recheckFuture();
    /** Headroom for the two checks reading the clock at different instants and Keycloak truncating to seconds. */
    static final Duration MARGIN = Duration.ofSeconds(2);

    private static final Logger LOG = Logger.getLogger(DefaultDPoPPolicyProviderFactory.class);

    private ProofPolicy configured = ProofPolicy.defaults();
    /** The server-wide policy; static because the executor's save-time validation has no session to ask. */
    private static volatile ProofPolicy policy = ProofPolicy.defaults();
    private String nonceMode = "clients";
    private DPoPNonces nonces;
    private String resourceNonceMode = "off";
    /** Realms left to Keycloak's built-in DPoP alone ({@code off-realms}). */
    private Set<String> offRealms = Set.of();

    @Override
    public String getId() {
        return "default";
    }

    @Override
    public DPoPPolicyProvider create(KeycloakSession session) {
        return new DPoPPolicyProvider() {
            @Override
            public ProofPolicy proofPolicy(RealmModel realm) {
                return RealmWidePolicy.of(realm, policy);
            }

            @Override
            public boolean appliesTo(RealmModel realm) {
                return VersionGuard.active() && !offRealms.contains(realm.getName());
            }

            @Override
            public boolean nonceRequired(RealmModel realm, ClientModel client) {
                String mode = realm.getAttribute(REALM_NONCE_MODE);
                return switch (mode == null || mode.isBlank() ? nonceMode : mode.strip()) {
                    case "off" -> false;
                    case "clients" -> client != null && (Boolean.parseBoolean(client.getAttribute(CLIENT_NONCE))
                            || DPoPPolicyLookup.of(session, client).requireNonce());
                    // "always", and a value the plugin does not know: a typo must not switch nonces off
                    default -> true;
                };
            }

            @Override
            public DPoPNonces nonces() {
                return nonces;
            }

            @Override
            public boolean resourceNonceRequired(RealmModel realm) {
                String mode = realm.getAttribute(REALM_RESOURCE_NONCE_MODE);
                // A value the plugin does not know holds proofs to nonces: a typo must not switch them off.
                if (mode == null || mode.isBlank()) {
                    return "always".equals(resourceNonceMode);
                }
                return !"off".equalsIgnoreCase(mode.strip());
            }
        };
    }

    @Override
    public void init(Config.Scope config) {
        VersionGuard.Decision guard = VersionGuard.current();
        if (guard.refuse()) {
            LOG.error(guard.message());
            throw new IllegalStateException(guard.message());
        }
        ProofPolicy defaults = ProofPolicy.defaults();
        String algorithms = config.get("algorithms");
        configured = new ProofPolicy(
                algorithms == null ? defaults.allowedAlgorithms()
                        : Arrays.stream(algorithms.split(",")).map(String::trim).filter(a -> !a.isEmpty())
                                .collect(Collectors.toSet()),
                Duration.ofSeconds(config.getInt("max-age", (int) defaults.maxAge().toSeconds())),
                Duration.ofSeconds(config.getInt("clock-skew", (int) defaults.clockSkew().toSeconds())),
                config.getInt("max-proof-length", defaults.maxProofLength()),
                defaults.maxJtiLength(), true,
                // Keycloak's re-check compares htu without its fragment from 26.7 on; before, with it
                !KeycloakBehaviour.recheckDropsHtuFragment());
        checkInsideBuiltInWindow(configured);
        policy = configured;
        nonceMode = checkNonceMode(config.get("nonce", "clients"));
        nonces = new DPoPNonces(Duration.ofSeconds(config.getInt("nonce-step", 60)), KeycloakClock.INSTANCE);
        resourceNonceMode = checkResourceNonceMode(config.get("resource-nonce", "off"));
        offRealms = offRealms(config.get("off-realms", ""));
    }

    static Set<String> offRealms(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).filter(name -> !name.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    static String checkResourceNonceMode(String mode) {
        if (!Set.of("off", "always").contains(mode)) {
            throw new IllegalArgumentException("keycloak-dpop: resource-nonce must be off or always, not " + mode);
        }
        return mode;
    }

    static String checkNonceMode(String mode) {
        if (!Set.of("off", "clients", "always").contains(mode)) {
            throw new IllegalArgumentException("keycloak-dpop: nonce must be off, clients or always, not " + mode);
        }
        return mode;
    }

    static void checkInsideBuiltInWindow(ProofPolicy policy) {
        if (policy.maxAge().plus(policy.clockSkew()).plus(MARGIN).compareTo(BUILT_IN_PAST) > 0
                || policy.clockSkew().plus(MARGIN).compareTo(BUILT_IN_FUTURE) > 0) {
            throw new IllegalArgumentException("keycloak-dpop: max-age + clock-skew must be at most "
                    + BUILT_IN_PAST.minus(MARGIN).toSeconds() + " s and clock-skew at most "
                    + BUILT_IN_FUTURE.minus(MARGIN).toSeconds()
                    + " s: Keycloak's built-in DPoP check refuses older or later proofs after ours");
        }
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
        VersionGuard.Decision guard = VersionGuard.current();
        if (guard.error()) {
            LOG.error(guard.message());
        } else {
            LOG.info(guard.message());
        }
        if (!guard.active()) {
            return;
        }
        if (!offRealms.isEmpty()) {
            LOG.warnf("keycloak-dpop is off in realms %s (off-realms): Keycloak's built-in DPoP alone applies there",
                    new TreeSet<>(offRealms));
        }
        if (!Profile.isFeatureEnabled(Profile.Feature.DPOP)) {
            LOG.error("keycloak-dpop: Keycloak's 'dpop' feature is disabled, so Keycloak binds no token to a key. "
                    + "keycloak-dpop fails closed: every token request of a client with 'Require DPoP bound tokens' "
                    + "is refused with invalid_dpop_proof. Enable the feature (--features=dpop) to issue DPoP tokens.");
            return;
        }
        // Only what Keycloak's re-check can verify too (see the integration contract).
        Set<String> verifiable = KeycloakModelUtils.runJobInTransactionWithResult(factory,
                session -> Set.copyOf(DPoPUtil.getDPoPSupportedAlgorithms(session)));
        Set<String> algorithms = configured.allowedAlgorithms().stream().filter(verifiable::contains)
                .collect(Collectors.toSet());
        if (algorithms.size() < configured.allowedAlgorithms().size()) {
            LOG.warnf("keycloak-dpop: Keycloak cannot verify %s; those proofs are refused",
                    configured.allowedAlgorithms().stream().filter(a -> !verifiable.contains(a)).sorted().toList());
        }
        policy = configured.withAllowedAlgorithms(algorithms);
        LOG.infof("keycloak-dpop %s: strict RFC 9449 checks at the token, PAR, userinfo and account endpoints; algorithms %s, "
                + "proof max age %d s, clock skew %d s", version(), new TreeSet<>(policy.allowedAlgorithms()),
                policy.maxAge().toSeconds(), policy.clockSkew().toSeconds());
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        Map<String, String> info = new LinkedHashMap<>();
        info.put("version", version());
        VersionGuard.Decision guard = VersionGuard.current();
        info.put("keycloak-version", guard.version().text());
        info.put("keycloak-tier", guard.tier().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        info.put("active", String.valueOf(guard.active()));
        info.put(VersionGuard.OPTION, guard.mode().optionValue());
        info.put("dpop-feature", String.valueOf(Profile.isFeatureEnabled(Profile.Feature.DPOP)));
        ProofPolicy current = policy;
        info.put("algorithms", String.join(",", new TreeSet<>(current.allowedAlgorithms())));
        info.put("max-age", current.maxAge().toSeconds() + "s");
        info.put("clock-skew", current.clockSkew().toSeconds() + "s");
        info.put("nonce", nonceMode);
        info.put("resource-nonce", resourceNonceMode);
        info.put("off-realms", String.join(",", new TreeSet<>(offRealms)));
        return info;
    }

    /** The server-wide proof policy, which realm and client policies may only narrow. */
    static ProofPolicy serverPolicy() {
        return policy;
    }

    static String version() {
        try (InputStream in = DefaultDPoPPolicyProviderFactory.class.getResourceAsStream("/keycloak-dpop.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
    }
}
