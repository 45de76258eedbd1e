package io.github.keycloakdpop.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * One real Keycloak 26.7.3 per test run: the official distribution unpacked by Maven, started as a process with the
 * plugin jar in {@code providers/} (unless {@code -Dkeycloak.plugin=false}) and the demo realm imported. Tests talk
 * to it over HTTP only.
 */
public final class KeycloakServer {

    public static final String REALM = "dpop-demo";
    public static final int NONCE_STEP_SECONDS = 3;
    /** A realm the plugin leaves to Keycloak's built-in DPoP (off-realms); {@link OffRealmIT} creates it. */
    public static final String OFF_REALM = "dpop-off";
    /** The proof algorithms the test servers accept (Keycloak could verify more: RS384, RS512, PS384, PS512). */
    public static final List<String> ALGORITHMS = List.of("ES256", "ES384", "ES512", "EdDSA", "PS256", "RS256");
    private static KeycloakServer instance;
    private static KeycloakServer withoutDpopFeature;

    public final URI baseUri;
    /** Keycloak's management interface (health, {@code /metrics}). */
    public final URI managementUri;
    public final boolean pluginInstalled;
    /** Where Keycloak sends CIBA authentication requests (its HTTP authentication channel). */
    public final CibaChannel cibaChannel;
    private final Supplier<String> log;
    private final Runnable stop;

    KeycloakServer(URI baseUri, URI managementUri, boolean pluginInstalled, CibaChannel cibaChannel,
                   Supplier<String> log, Runnable stop) {
        this.baseUri = baseUri;
        this.managementUri = managementUri;
        this.pluginInstalled = pluginInstalled;
        this.cibaChannel = cibaChannel;
        this.log = log;
        this.stop = stop;
    }

    /** {@code -Dkeycloak.backend=testcontainers} runs Keycloak's container image instead (needs Docker). */
    private static boolean inContainer() {
        return "testcontainers".equals(System.getProperty("keycloak.backend", "distribution"));
    }

    public static synchronized KeycloakServer get() {
        if (instance == null) {
            instance = inContainer() ? KeycloakContainerBackend.start(List.of())
                    : start(Path.of(required("keycloak.home")), List.of());
            Runtime.getRuntime().addShutdownHook(new Thread(instance::stop));
        }
        return instance;
    }

    /**
     * A second Keycloak, started with Keycloak's {@code dpop} feature disabled and the plugin's max-age option set to
     * 5 s, from its own copy of the distribution (Keycloak keeps build-time options such as features in its
     * installation directory).
     */
    public static synchronized KeycloakServer withDpopFeatureDisabled() {
        if (withoutDpopFeature == null && inContainer()) {
            withoutDpopFeature = KeycloakContainerBackend.start(List.of("dpop"));
            Runtime.getRuntime().addShutdownHook(new Thread(withoutDpopFeature::stop));
        } else if (withoutDpopFeature == null) {
            Path home = Path.of(required("keycloak.home"));
            Path copy = home.resolveSibling(home.getFileName() + "-dpop-disabled");
            try {
                copyTree(home, copy);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            withoutDpopFeature = start(copy, List.of("--features-disabled=dpop", "--spi-dpop-policy--default--max-age=5"));
            Runtime.getRuntime().addShutdownHook(new Thread(withoutDpopFeature::stop));
        }
        return withoutDpopFeature;
    }

    /** The Keycloak release under test, e.g. {@code 26.4.7}, read from its distribution's {@code keycloak-common} jar. */
    public static String version() {
        if (inContainer()) {
            return System.getProperty("keycloak.version", "26.7.3");
        }
        Path lib = Path.of(required("keycloak.home")).resolve("lib/lib/main");
        try (Stream<Path> jars = Files.list(lib)) {
            String jar = jars.map(p -> p.getFileName().toString())
                    .filter(name -> name.startsWith("org.keycloak.keycloak-common-") && name.endsWith(".jar"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no keycloak-common jar in " + lib));
            return jar.substring("org.keycloak.keycloak-common-".length(), jar.length() - ".jar".length());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the Keycloak under test is {@code major.minor} or newer. */
    public static boolean atLeast(int major, int minor) {
        String[] v = version().split("[.-]");
        int ma = Integer.parseInt(v[0]);
        int mi = Integer.parseInt(v[1]);
        return ma > major || ma == major && mi >= minor;
    }

    /**
     * A Keycloak that reports another version: a copy of the distribution under test whose {@code keycloak-common}
     * jar says {@code version} (all the plugin reads, through {@code org.keycloak.common.Version}), started with
     * {@code options}. What {@link VersionGuardIT} needs to see the guard at work on a release it was not tested on.
     * Not shared; the caller stops it.
     */
    public static KeycloakServer posingAs(String version, List<String> options) {
        Path home = Path.of(required("keycloak.home"));
        Path copy = home.resolveSibling(home.getFileName() + "-as-" + version);
        try {
            copyTree(home, copy);
            try (Stream<Path> jars = Files.list(copy.resolve("lib/lib/main"))) {
                Path common = jars.filter(p -> p.getFileName().toString().startsWith("org.keycloak.keycloak-common-"))
                        .findFirst().orElseThrow();
                try (java.nio.file.FileSystem jar = java.nio.file.FileSystems.newFileSystem(common)) {
                    Path properties = jar.getPath("/keycloak-version.properties");
                    String text = Files.readString(properties).replaceAll("(?m)^version=.*$", "version=" + version);
                    Files.writeString(properties, text);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return start(copy, options);
    }

    /** Stops a server made by {@link #posingAs}. */
    public void stopServer() {
        stop();
    }

    public URI realmUri(String path) {
        return baseUri.resolve("/realms/" + REALM + "/" + path);
    }

    public URI tokenEndpoint() {
        return realmUri("protocol/openid-connect/token");
    }

    private static KeycloakServer start(Path home, List<String> options) {
        boolean plugin = Boolean.parseBoolean(System.getProperty("keycloak.plugin", "true"));
        Path log = options.isEmpty() && !home.getFileName().toString().contains("-as-")
                ? Path.of(System.getProperty("keycloak.log", home.resolve("keycloak.log").toString()))
                : home.resolve("keycloak.log");
        try {
            resetState(home, plugin);
            int port = freePort();
            int managementPort = freePort();
            CibaChannel ciba = CibaChannel.start();
            List<String> command = new ArrayList<>(List.of(home.resolve("bin/kc.sh").toString(), "start-dev",
                    "--http-port=" + port, "--http-management-port=" + managementPort, "--metrics-enabled=true",
                    "--import-realm",
                    "--cache=local", "--log-level=INFO,io.github.keycloakdpop:DEBUG",
                    // Short nonce steps so that NonceIT can watch nonces age in seconds, not minutes.
                    "--spi-dpop-policy--default--nonce-step=" + NONCE_STEP_SECONDS,
                    // A narrower list than Keycloak can verify, so that DiscoveryIT sees the policy at work.
                    "--spi-dpop-policy--default--algorithms=" + String.join(",", ALGORITHMS),
                    "--spi-dpop-policy--default--off-realms=" + OFF_REALM,

                    "--spi-ciba-auth-channel--ciba-http-auth-channel--http-authentication-channel-uri=" + ciba.uri()));
            if (atLeast(26, 5) && !atLeast(26, 7)) {
                // JwtAuthorizationGrantIT: the grant is a preview feature before 26.7 (and absent before 26.5)
                command.add("--features=jwt-authorization-grant");
            }
            if (options.stream().noneMatch(o -> o.contains("untested-keycloak"))) {
                // what the version guard does on a release it was not tested on (-Dkeycloak.test.untested)
                command.add("--spi-dpop-policy--default--untested-keycloak="
                        + System.getProperty("keycloak.untested", "builtin-only"));
            }
            command.addAll(options);
            ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", "admin");
            builder.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", "admin");
            String javaHome = System.getProperty("keycloak.javaHome", "");
            if (!javaHome.isBlank()) {
                builder.environment().put("JAVA_HOME", javaHome);
            }
            Process process = builder.start();
            URI base = URI.create("http://localhost:" + port + "/");
            KeycloakServer server = new KeycloakServer(base, URI.create("http://localhost:" + managementPort + "/"), plugin,
                    ciba, () -> read(log), () -> stop(process));
            server.awaitReady(Duration.ofMinutes(4), process);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A clean H2 database and realm import each run, and exactly the plugin jar under test in providers/. */
    private static void resetState(Path home, boolean plugin) throws IOException {
        deleteTree(home.resolve("data"));
        Path importDir = Files.createDirectories(home.resolve("data/import"));
        Path realm = Path.of(required("keycloak.realmFile"));
        Files.copy(realm, importDir.resolve(realm.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        Path providers = Files.createDirectories(home.resolve("providers"));
        try (Stream<Path> jars = Files.list(providers)) {
            for (Path jar : jars.filter(p -> p.getFileName().toString().startsWith("keycloak-dpop")).toList()) {
                Files.delete(jar);
            }
        }
        if (plugin) {
            Path jar = Path.of(required("keycloak.pluginJar"));
            Files.copy(jar, providers.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void awaitReady(Duration timeout, Process process) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI discovery = realmUri(".well-known/openid-configuration");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Keycloak exited with " + process.exitValue() + "\n" + logTail());
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(discovery).timeout(Duration.ofSeconds(5))
                        .build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(500);
        }
        stop();
        throw new IllegalStateException("Keycloak was not ready within " + timeout + "\n" + logTail());
    }

    public String logTail() {
        List<String> lines = logText().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    /** Everything Keycloak logged so far (tests look for the plugin's startup messages). */
    public String logText() {
        return log.get();
    }

    private void stop() {
        cibaChannel.stop();
        stop.run();
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void stop(Process process) {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        deleteTree(to);
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.filter(p -> !p.startsWith(from.resolve("data"))).toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("System property " + property + " is not set (run through Maven: mvn verify)");
        }
        return value;
    }
}
