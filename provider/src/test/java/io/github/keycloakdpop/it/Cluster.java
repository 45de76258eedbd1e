package io.github.keycloakdpop.it;

import static io.github.keycloakdpop.it.Http.form;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Two Keycloak nodes and a PostgreSQL server on this machine, started and stopped by {@code docker/cluster.sh} (the
 * executable proof of {@code docker/Dockerfile} and {@code docker/compose.yaml}). Both nodes answer for one public
 * URL, {@link #PUBLIC_URL} ({@code --hostname}), as behind a load balancer. Nothing listens on the public URL: tests
 * send each request to a node's own port with the headers a load balancer adds, and proofs whose {@code htu} is the
 * public URL.
 *
 * <p>Keycloak (its own DPoP check, and so the plugin) compares {@code htu} with the request URL as the node
 * received it, which {@code --proxy-headers=xforwarded} rebuilds from {@code X-Forwarded-Host} and
 * {@code X-Forwarded-Proto}; {@code --hostname} only sets the URLs Keycloak advertises (issuer, discovery).
 */
final class Cluster {

    static final String PUBLIC_URL = "http://keycloak-lb.test:8080";

    /** One Keycloak node, reached on its own port. */
    record Node(String name, URI baseUri) {

        URI realmUri(String path) {
            return baseUri.resolve("/realms/" + KeycloakServer.REALM + "/" + path);
        }

        URI tokenEndpoint() {
            return realmUri("protocol/openid-connect/token");
        }

        /** A token request as the load balancer forwards it to this node. */
        Http.Response token(Map<String, String> form, String authorization, List<String> dpop) {
            URI publicUrl = URI.create(PUBLIC_URL);
            List<String> headers = new ArrayList<>(List.of("X-Forwarded-Host", publicUrl.getAuthority(),
                    "X-Forwarded-Proto", publicUrl.getScheme()));
            if (authorization != null) {
                headers.addAll(List.of("Authorization", authorization));
            }
            dpop.forEach(proof -> headers.addAll(List.of("DPoP", proof)));
            return Http.request("POST", tokenEndpoint(), form, headers.toArray(String[]::new));
        }

        /** A call to this node's Admin REST API for the demo realm, with a fresh admin token from this node. */
        Http.Response admin(String method, String path, Map<String, Object> body) {
            Http.Response login = Http.postForm(baseUri.resolve("/realms/master/protocol/openid-connect/token"),
                    form("grant_type", "password", "client_id", "admin-cli", "username", "admin", "password", "admin"),
                    null, List.of());
            if (login.status() != 200) {
                throw new AssertionError("admin token at node " + name + ": " + login);
            }
            return Admin.call(baseUri, login.string("access_token"), method, path, body);
        }
    }

    final Node a;
    final Node b;
    private final Path script;
    private final Path scriptLog;
    private final Map<String, String> environment;

    private Cluster(Node a, Node b, Path script, Path scriptLog, Map<String, String> environment) {
        this.a = a;
        this.b = b;
        this.script = script;
        this.scriptLog = scriptLog;
        this.environment = environment;
    }

    /** The public URL of a realm path, as a client behind the load balancer would address it (the proofs' htu). */
    static URI publicRealmUri(String path) {
        return URI.create(PUBLIC_URL + "/realms/" + KeycloakServer.REALM + "/" + path);
    }

    static URI publicTokenEndpoint() {
        return publicRealmUri("protocol/openid-connect/token");
    }

    /** {@code docker/cluster.sh start} on free ports; fails (never skips) when PostgreSQL or the script is missing. */
    static Cluster start() {
        return start(Path.of(required("keycloak.home")), Path.of(required("cluster.dir")), "");
    }

    /**
     * @param distribution the Keycloak distribution both nodes run
     * @param options      more {@code kc.sh start} options for both nodes
     */
    static Cluster start(Path distribution, Path dir, String options) {
        Map<String, String> env = new HashMap<>();
        env.put("CLUSTER_DIR", dir.toString());
        env.put("KEYCLOAK_DIST", distribution.toString());
        env.put("PLUGIN_JAR", required("keycloak.pluginJar"));
        env.put("REALM_FILE", required("keycloak.realmFile"));
        env.put("CLUSTER_PLUGIN", System.getProperty("keycloak.plugin", "true"));
        env.put("KC_HOSTNAME", PUBLIC_URL);
        env.put("CLUSTER_KC_OPTIONS", ("--log-level=INFO,io.github.keycloakdpop:DEBUG " + options).strip());
        List<Integer> ports = freePorts(5);
        env.put("NODE_A_PORT", ports.get(0).toString());
        env.put("NODE_B_PORT", ports.get(1).toString());
        env.put("NODE_A_MANAGEMENT_PORT", ports.get(2).toString());
        env.put("NODE_B_MANAGEMENT_PORT", ports.get(3).toString());
        env.put("PG_PORT", ports.get(4).toString());
        int jgroups = freeJGroupsPort(7800);
        env.put("NODE_A_JGROUPS_PORT", Integer.toString(jgroups));
        env.put("NODE_B_JGROUPS_PORT", Integer.toString(freeJGroupsPort(jgroups + 1)));
        String javaHome = System.getProperty("keycloak.javaHome", "");
        if (!javaHome.isBlank()) {
            env.put("JAVA_HOME", javaHome);
        }
        Cluster cluster = new Cluster(node("a", ports.get(0)), node("b", ports.get(1)), Path.of(required("cluster.script")),
                dir.resolveSibling(dir.getFileName() + "-script.log"), env);
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop));
        try {
            cluster.run(Duration.ofMinutes(10), "start");
        } catch (RuntimeException | Error e) {
            cluster.stop();
            throw e;
        }
        return cluster;
    }

    /** {@code docker/cluster.sh stop-node a|b}: SIGTERM, Keycloak leaves the cluster gracefully. */
    void stopNode(Node node) {
        run(Duration.ofMinutes(2), "stop-node", node.name());
    }

    /** {@code docker/cluster.sh kill-node a|b}: SIGKILL, as a crash. */
    void killNode(Node node) {
        run(Duration.ofMinutes(1), "kill-node", node.name());
    }

    /** {@code docker/cluster.sh start-node a|b}: starts a stopped node; returns once it has joined the other. */
    void startNode(Node node) {
        run(Duration.ofMinutes(6), "start-node", node.name());
    }

    /** {@code docker/cluster.sh upgrade DIST}: both nodes stop and start again on another distribution, same database. */
    void upgrade(Path distribution) {
        run(Duration.ofMinutes(10), "upgrade", distribution.toString());
    }

    /** Stops both nodes and PostgreSQL; safe to call twice. */
    void stop() {
        try {
            run(Duration.ofMinutes(3), "stop");
        } catch (RuntimeException e) {
            System.err.println(e.getMessage());
        }
    }

    /** Runs the script with this cluster's settings; its output goes to {@code target/cluster-script.log}. */
    private void run(Duration timeout, String... arguments) {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(arguments));
        try {
            long logStart = Files.exists(scriptLog) ? Files.size(scriptLog) : 0;
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(scriptLog.toFile()));
            builder.environment().putAll(environment);
            Process process = builder.start();
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout
                        + ":\n" + output(logStart));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + process.exitValue()
                        + "):\n" + output(logStart));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String output(long from) throws IOException {
        String all = Files.readString(scriptLog);
        return all.substring((int) Math.min(from, all.length()));
    }

    private static Node node(String name, int port) {
        return new Node(name, URI.create("http://127.0.0.1:" + port + "/"));
    }

    /** Distinct free ports (held open together, so that no two are the same). */
    private static List<Integer> freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().map(ServerSocket::getLocalPort).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            sockets.forEach(Cluster::close);
        }
    }

    /**
     * A free JGroups port at or above {@code from}: JGroups' failure detection (FD_SOCK2) listens on port + 50000, so
     * the port must stay below 15536 and both must be free.
     */
    private static int freeJGroupsPort(int from) {
        int start = from + ThreadLocalRandom.current().nextInt(200);
        for (int port = start; port < 15000; port++) {
            if (bindable(port) && bindable(port + 50000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free JGroups port pair between " + start + " and 15000 (+ 50000)");
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void close(ServerSocket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // a probe socket
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
