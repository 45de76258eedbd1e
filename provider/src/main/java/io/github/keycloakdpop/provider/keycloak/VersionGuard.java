package io.github.keycloakdpop.provider.keycloak;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which Keycloak releases the plugin runs on, and what it does on the others. Three tiers:
 * <ul>
 *   <li><b>tested</b> (26.4, 26.5, 26.7): the whole integration suite passed on the newest patch of that line;</li>
 *   <li><b>API-checked</b> (26.6): the plugin compiles against that line's API, but its distribution could not be
 *       run here; the plugin runs and warns at every start;</li>
 *   <li><b>untested</b> (anything else: 26.3, 26.8, 27, snapshots and nightlies): {@link Mode} decides. The default,
 *       {@link Mode#BUILTIN_ONLY}, steps the plugin aside, so that Keycloak answers as it does without the plugin
 *       (never worse off), and logs an error at every start (never silently).</li>
 * </ul>
 * Snapshot builds of a tested line count as untested: their code is not the release's.
 */
public final class VersionGuard {

    /** The option {@code --spi-dpop-policy--default--untested-keycloak}. */
    public static final String OPTION = "untested-keycloak";

    /** Minor lines whose newest patch ran the whole integration suite (README, "Compatibility"). */
    static final Set<String> TESTED = Set.of("26.4", "26.5", "26.7");
    /** Minor lines whose API the build compiles against, without running their distribution. */
    static final Set<String> API_CHECKED = Set.of("26.6");

    public enum Tier { TESTED, API_CHECKED, UNTESTED }

    /** What to do on an untested Keycloak. */
    public enum Mode {
        /** Keycloak does not start; the log says why. */
        REFUSE,
        /** The plugin steps aside in every realm (as {@code off-realms} does for one), with an error at every start. */
        BUILTIN_ONLY,
        /** The plugin runs, with an error at every start naming the version. */
        ALLOW;

        public static Mode parse(String value) {
            String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
            return switch (v) {
                case "", "builtin-only" -> BUILTIN_ONLY;
                case "refuse" -> REFUSE;
                case "allow" -> ALLOW;
                default -> throw new IllegalArgumentException("keycloak-dpop: " + OPTION
                        + " must be refuse, builtin-only or allow, not " + value);
            };
        }

        public String optionValue() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * The guard's verdict.
     *
     * @param active   whether the plugin acts (false: Keycloak's built-in DPoP alone)
     * @param refuse   whether Keycloak must not start
     * @param message  the startup line, naming the version and the tier
     * @param error    whether the line is logged as an error
     */
    public record Decision(KeycloakVersion version, Tier tier, Mode mode, boolean active, boolean refuse,
                           String message, boolean error) {
    }

    private static volatile Decision current;

    private VersionGuard() {
    }

    /**
     * The verdict for the running Keycloak, made once: the first provider factory that asks (at Keycloak's build
     * step, before any request) fixes it for the life of the process.
     */
    public static Decision current() {
        Decision decision = current;
        if (decision == null) {
            synchronized (VersionGuard.class) {
                if (current == null) {
                    current = decide(KeycloakVersion.running(), configuredMode(), KeycloakApi.missing());
                }
                decision = current;
            }
        }
        return decision;
    }

    /** Whether the plugin acts in this Keycloak at all (false: Keycloak's built-in DPoP alone, everywhere). */
    public static boolean active() {
        return current().active();
    }

    private static Mode configuredMode() {
        String value;
        try {
            value = org.keycloak.Config.scope("dpop-policy", "default").get(OPTION);
        } catch (RuntimeException e) {
            value = null; // Keycloak's configuration not initialised (never in a server): the default
        }
        return Mode.parse(value);
    }

    public static Tier tier(KeycloakVersion version) {
        if (!version.known() || version.snapshot()) {
            return Tier.UNTESTED;
        }
        if (TESTED.contains(version.minorLine())) {
            return Tier.TESTED;
        }
        return API_CHECKED.contains(version.minorLine()) ? Tier.API_CHECKED : Tier.UNTESTED;
    }

    /**
     * @param missing what the running Keycloak lacks of what the plugin needs ({@link KeycloakApi#missing}); a
     *                non-empty list steps the plugin aside whatever the tier, since it could not work
     */
    public static Decision decide(KeycloakVersion version, Mode mode, List<String> missing) {
        Tier tier = tier(version);
        String tested = String.join(", ", TESTED.stream().sorted().toList());
        if (!missing.isEmpty()) {
            boolean refuse = mode == Mode.REFUSE;
            return new Decision(version, tier, mode, false, refuse, "keycloak-dpop: Keycloak " + version.text()
                    + " lacks what the plugin needs (" + String.join("; ", missing) + "). "
                    + (refuse ? "Keycloak does not start (" + OPTION + "=refuse)."
                            : "The plugin steps aside: Keycloak's built-in DPoP alone applies in every realm."), true);
        }
        return switch (tier) {
            case TESTED -> new Decision(version, tier, mode, true, false,
                    "keycloak-dpop: Keycloak " + version.text() + " (tested line " + version.minorLine() + ")", false);
            case API_CHECKED -> new Decision(version, tier, mode, true, false, "keycloak-dpop: Keycloak "
                    + version.text() + " is API-checked only: the plugin compiles against " + version.minorLine()
                    + " but its integration suite has not run on it (tested: " + tested + "). It runs; check it with "
                    + "the integration suite before production use.", true);
            case UNTESTED -> switch (mode) {
                case REFUSE -> new Decision(version, tier, mode, false, true, "keycloak-dpop: Keycloak "
                        + version.text() + " is untested (tested: " + tested + "); Keycloak does not start ("
                        + OPTION + "=refuse). Set " + OPTION + "=builtin-only or allow to start it.", true);
                case BUILTIN_ONLY -> new Decision(version, tier, mode, false, false, "keycloak-dpop: Keycloak "
                        + version.text() + " is untested (tested: " + tested + "): the plugin steps aside and "
                        + "Keycloak's built-in DPoP alone applies in every realm (" + OPTION + "=builtin-only). "
                        + "Set " + OPTION + "=allow to run the plugin anyway.", true);
                case ALLOW -> new Decision(version, tier, mode, true, false, "keycloak-dpop: Keycloak "
                        + version.text() + " is untested (tested: " + tested + "); the plugin runs because " + OPTION
                        + "=allow. Run the integration suite against this release before relying on it.", true);
            };
        };
    }
}
