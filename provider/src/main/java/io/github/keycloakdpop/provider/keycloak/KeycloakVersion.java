package io.github.keycloakdpop.provider.keycloak;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Keycloak release as its version string names it: {@code 26.4.7}, a vendor build such as
 * {@code 26.4.7.redhat-00001}, {@code 26.5.0-SNAPSHOT}, or a nightly ({@code 999.0.0-SNAPSHOT}). Only major and minor
 * decide what the plugin does; the rest is kept for the log.
 *
 * @param major  the major version, -1 when the string names none
 * @param minor  the minor version, -1 when the string names none
 * @param text   the string as Keycloak reports it
 */
public record KeycloakVersion(int major, int minor, String text) {

    private static final Pattern MAJOR_MINOR = Pattern.compile("^\\s*(\\d{1,4})\\.(\\d{1,4})(?:[.\\-+_].*)?\\s*$");

    public static KeycloakVersion parse(String text) {
        Matcher m = MAJOR_MINOR.matcher(text == null ? "" : text);
        if (!m.matches()) {
            return new KeycloakVersion(-1, -1, String.valueOf(text));
        }
        return new KeycloakVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), text.strip());
    }

    /** The running Keycloak's version ({@code org.keycloak.common.Version}, present in every release). */
    public static KeycloakVersion running() {
        return parse(org.keycloak.common.Version.VERSION);
    }

    public boolean known() {
        return major >= 0;
    }

    /** {@code 26.4}, or the whole string when it names no version. */
    public String minorLine() {
        return known() ? major + "." + minor : text;
    }

    /** Whether the string marks a build that is not a release: a snapshot or a nightly. */
    public boolean snapshot() {
        return text.toUpperCase(java.util.Locale.ROOT).contains("SNAPSHOT") || major >= 999;
    }
}
