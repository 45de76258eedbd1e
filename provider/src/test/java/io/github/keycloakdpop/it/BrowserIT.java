package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.basic;
import static io.github.keycloakdpop.it.Http.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Real-browser tests: headless Debian Chromium driven by playwright-core, from the Node scripts in
 * {@code src/test/browser} (their packages installed by {@code npm ci} in Maven's pre-integration-test phase). Each
 * script prints one line of JSON, asserted on here; screenshots of every step go to
 * {@code target/failsafe-reports/screenshots/}.
 */
class BrowserIT {

    static final KeycloakServer KC = KeycloakServer.get();
    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    static final Path SCRIPTS = Path.of(property("browser.scripts"));
    static final Path SCREENSHOTS = Path.of(property("browser.screenshots"));
    /** The SPA's origin is http://localhost:18976, the redirect URI registered for client wallet in the demo realm. */
    static final int SPA_PORT = 18976;
    /** Keycloak's bootstrap admin, as KeycloakServer starts it (KC_BOOTSTRAP_ADMIN_USERNAME/PASSWORD). */
    static final String ADMIN = "admin";

    static final String CLIENT = "browser-admin-it";
    static final String SECRET = "browser-secret";
    static final String ROLE = "browser-it-dpop";
    static final String PROFILE = "browser-it-nonces";
    static final String POLICY = "browser-it-policy";

    @Test
    void spaLogsInWithDpopAndNoncesRefreshesAndCallsUserinfo() {
        Map<String, Object> out = node("spa-test.mjs", Map.of("SPA_PORT", String.valueOf(SPA_PORT)));

        assertEquals("done", out.get("state"), out.toString());
        Map<String, Object> result = object(out, "result");
        assertEquals("dpop", result.get("token_type"), "oauth4webapi reports token_type in lower case: " + result);
        assertEquals(true, result.get("cnf_jkt_matches"), "cnf.jkt is the thumbprint of the page's key: " + result);
        Map<String, Object> challenges = object(result, "nonce_challenges");
        assertEquals(1L, challenges.get("token"), "one use_dpop_nonce at the code exchange, answered by the page's retry: "
                + result);
        // The refresh reuses the last nonce; with the tests' 3 s nonce steps a slow machine may see it expire once.
        assertTrue(List.of(0L, 1L).contains(challenges.getOrDefault("refresh", 0L)), result.toString());
        assertNull(challenges.get("userinfo"), "no nonces at userinfo: " + result);
        Map<String, Object> refresh = object(result, "refresh");
        assertEquals("dpop", refresh.get("token_type"), result.toString());
        assertEquals(true, refresh.get("new_access_token"), result.toString());
        assertEquals(true, refresh.get("cnf_jkt_matches"), result.toString());
        assertEquals(Map.of("preferred_username", "alice", "sub_matches", true), result.get("userinfo"), result.toString());
        Map<String, Object> bearer = object(result, "bearer_at_userinfo");
        assertEquals(401L, bearer.get("status"), "the bound token without its key: " + result);
        assertTrue(String.valueOf(bearer.get("www_authenticate")).startsWith("Bearer error=\"invalid_token\""),
                "the challenge is readable from the page (CORS exposes WWW-Authenticate): " + result);
        assertEquals(false, result.get("private_key_extractable"), result.toString());
        assertNoCorsRefusal(out);
    }

    @Test
    void adminConsoleTurnsRequireDpopOnAndOffAndAddsANoncePolicy() {
        requireChromiumAndPackages(); // before changing the realm
        createClientForTheAdmin();

        Map<String, Object> out = node("admin-console.mjs", Map.of("ADMIN_USERNAME", ADMIN, "ADMIN_PASSWORD", ADMIN,
                "CLIENT_ID", CLIENT, "CLIENT_SECRET", SECRET, "CLIENT_ROLE", ROLE,
                "PROFILE_NAME", PROFILE, "POLICY_NAME", POLICY));

        assertEquals(Map.of("status", 400L, "error", "invalid_dpop_proof"), out.get("require_dpop_on"),
                "\"Require DPoP bound tokens\" on: no token without a proof: " + out);
        assertEquals(Map.of("status", 200L, "token_type", "Bearer"), out.get("require_dpop_off"),
                "switched off again: a Bearer token: " + out);
        assertEquals(Map.of("status", 200L, "token_type", "dpop"), out.get("before_policy"),
                "no nonce asked before the policy: " + out);
        assertEquals(Map.of("status", 400L, "error", "use_dpop_nonce", "dpop_nonce_sent", true, "retry_token_type", "dpop"),
                out.get("with_policy"), "the dpop-policy profile made in the console holds the client to nonces: " + out);
        assertSavedAsTheConsoleShowed();
        assertOnlyTheSelectedClientGetsNonceChallenges();
    }

    /** What the console saved, read back through the Admin REST API (only the fields this test set). */
    private static void assertSavedAsTheConsoleShowed() {
        assertEquals("false", ((Map<?, ?>) Admin.client(CLIENT).get("attributes")).get("dpop.bound.access.tokens"));
        Map<?, ?> profile = named(Admin.call("GET", "/client-policies/profiles", null).json(), "profiles", PROFILE);
        Map<?, ?> executor = (Map<?, ?>) ((List<?>) profile.get("executors")).get(0);
        assertEquals("dpop-policy", executor.get("executor"), profile.toString());
        // The console's switches store "true" as a string; the executor's configuration reads both.
        assertEquals("true", String.valueOf(((Map<?, ?>) executor.get("configuration")).get("require-nonce")), profile.toString());
        Map<?, ?> policy = named(Admin.call("GET", "/client-policies/policies", null).json(), "policies", POLICY);
        assertEquals(List.of(PROFILE), policy.get("profiles"), policy.toString());
        Map<?, ?> condition = (Map<?, ?>) ((List<?>) policy.get("conditions")).get(0);
        assertEquals("client-roles", condition.get("condition"), policy.toString());
        assertEquals(List.of(ROLE), ((Map<?, ?>) condition.get("configuration")).get("roles"), policy.toString());
    }

    /** The same effect seen with another DPoP client (Nimbus), and a client the condition does not select is left alone. */
    private static void assertOnlyTheSelectedClientGetsNonceChallenges() {
        URI token = KC.tokenEndpoint();
        Http.Response selected = Http.postForm(token, form("grant_type", "client_credentials"), basic(CLIENT, SECRET),
                List.of(Proofs.proof(Proofs.ecKey(), "POST", token)));
        assertEquals(400, selected.status(), selected.toString());
        assertEquals("use_dpop_nonce", selected.string("error"), selected.toString());
        assertNotNull(selected.header("DPoP-Nonce"), selected.toString());

        Http.Response other = Http.postForm(token, form("grant_type", "client_credentials"), basic("legacy", "legacy-secret"),
                List.of(Proofs.proof(Proofs.ecKey(), "POST", token)));
        assertEquals(200, other.status(), other.toString());
        assertNull(other.header("DPoP-Nonce"), other.toString());
    }

    /** A confidential client with a service account and a client role for the policy's condition; DPoP not required. */
    private static void createClientForTheAdmin() {
        Map<String, Object> client = Admin.confidentialClient(CLIENT, SECRET, Admin.json("dpop.bound.access.tokens", "false"));
        client.put("serviceAccountsEnabled", true);
        Admin.createClient(client);
        Http.Response role = Admin.call("POST", "/clients/" + Admin.clientUuid(CLIENT) + "/roles", Admin.json("name", ROLE));
        assertEquals(201, role.status(), role.toString());
    }

    /** Removes what the admin test made (its policy before its profile, which the policy refers to), leaving the rest. */
    @AfterAll
    static void removeWhatTheAdminMade() {
        withoutNamed("/client-policies/policies", "policies", POLICY);
        withoutNamed("/client-policies/profiles", "profiles", PROFILE);
        try {
            Admin.call("DELETE", "/clients/" + Admin.clientUuid(CLIENT), null);
        } catch (AssertionError noSuchClient) {
            // the test failed before creating it
        }
    }

    private static void withoutNamed(String path, String member, String name) {
        Map<String, Object> all = Admin.call("GET", path, null).json();
        List<?> rest = ((List<?>) all.getOrDefault(member, List.of())).stream()
                .filter(entry -> !name.equals(((Map<?, ?>) entry).get("name"))).toList();
        Http.Response response = Admin.call("PUT", path, Admin.json(member, rest));
        assertEquals(204, response.status(), response.toString());
    }

    private static Map<?, ?> named(Map<String, Object> all, String member, String name) {
        return ((List<?>) all.get(member)).stream().map(entry -> (Map<?, ?>) entry)
                .filter(entry -> name.equals(entry.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + member + " entry " + name + ": " + all));
    }

    private static void assertNoCorsRefusal(Map<String, Object> out) {
        List<?> problems = (List<?>) out.get("console_problems");
        assertFalse(problems.stream().anyMatch(problem -> String.valueOf(problem).contains("CORS")),
                "the browser refused a cross-origin response: " + problems);
    }

    /**
     * Runs {@code node <script>} with Keycloak's URL and the given variables; fails with the script's error unless it
     * exits 0; returns the JSON line it printed. Its output ({@code .json}) and log ({@code .log}, stderr) are kept next
     * to the screenshots.
     */
    private static Map<String, Object> node(String script, Map<String, String> variables) {
        requireChromiumAndPackages();
        String name = script.replace(".mjs", "");
        Path log = SCREENSHOTS.resolve(name + ".log");
        Path json = SCREENSHOTS.resolve(name + ".json");
        try {
            Files.createDirectories(SCREENSHOTS);
            deleteScreenshotsOf(name.startsWith("spa") ? "spa-" : "admin-");
            ProcessBuilder builder = new ProcessBuilder("node", script).directory(SCRIPTS.toFile())
                    .redirectOutput(json.toFile()).redirectError(log.toFile());
            builder.environment().putAll(variables);
            builder.environment().put("KEYCLOAK_URL", KC.baseUri.toString());
            builder.environment().put("REALM", KeycloakServer.REALM);
            builder.environment().put("SCREENSHOT_DIR", SCREENSHOTS.toString());
            builder.environment().put("CHROMIUM", CHROMIUM.toString());
            long started = System.nanoTime();
            Process process = builder.start();
            if (!process.waitFor(3, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError(script + " did not finish within 3 minutes; log: " + log);
            }
            String stdout = Files.readString(json);
            List<String> lines = stdout.lines().filter(line -> !line.isBlank()).toList();
            Map<String, Object> out = lines.isEmpty() ? Map.of() : JSONObjectUtils.parse(lines.get(lines.size() - 1));
            System.out.printf("BrowserIT: %s took %d ms; screenshots: %s; log: %s%n", script,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), out.get("screenshots"), log);
            if (process.exitValue() != 0) {
                throw new AssertionError(script + " exited " + process.exitValue() + ": " + out.getOrDefault("error", stdout)
                        + "\nlog: " + log + "\n" + tail(log));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ParseException e) {
            throw new AssertionError(script + " printed no JSON; log: " + log + "\n" + tail(log), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Fails (never skips) when the machine lacks what the browser tests need, saying how to get it. */
    private static void requireChromiumAndPackages() {
        if (!Files.isExecutable(CHROMIUM)) {
            throw new AssertionError("Chromium is not installed at " + CHROMIUM + ": run .ci/install-test-deps (as root; "
                    + "it installs Debian's chromium package), or set CHROMIUM to a Chromium binary");
        }
        if (!Files.isDirectory(SCRIPTS.resolve("node_modules/playwright-core"))) {
            throw new AssertionError("no node_modules in " + SCRIPTS + ": run the tests through Maven (mvn verify runs "
                    + "npm ci there in the pre-integration-test phase), or run npm ci there yourself");
        }
    }

    private static void deleteScreenshotsOf(String prefix) throws IOException {
        try (Stream<Path> files = Files.list(SCREENSHOTS)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith(prefix)
                    && f.getFileName().toString().endsWith(".png")).toList()) {
                Files.delete(file);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> json, String member) {
        Object value = json.get(member);
        if (!(value instanceof Map)) {
            throw new AssertionError("no object " + member + " in " + json);
        }
        return (Map<String, Object>) value;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("System property " + name + " is not set (run through Maven: mvn verify)");
        }
        return value;
    }
}
