package io.github.keycloakdpop.bench;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Load on Keycloak's token endpoint (client_credentials), the headline figure being the server's CPU time per request
 * read from {@code /proc/<pid>/stat}, which stays meaningful while the load generator shares the machine's cores.
 *
 * <p>Two Keycloak servers run side by side from the same distribution and options, one plain and one with the
 * plugin in {@code providers/}; the modes alternate round by round: Bearer on each, DPoP (ES256, RS256) on each.
 * Proofs are signed before each round (iat a few seconds ahead, inside both the plugin's and Keycloak's windows), one
 * key per simulated client, kept across rounds as a real client keeps its key.
 *
 * <pre>java -cp benchmarks.jar io.github.keycloakdpop.bench.TokenEndpointLoad KC_HOME PLUGIN_JAR REALM_JSON JAVA_HOME
 *      OUT_FILE [requests=500] [rounds=40] [concurrency=16,4] [algs=ES256,RS256] [warm-up requests per mode=3000]</pre>
 */
public final class TokenEndpointLoad {

    private static final String REALM = "dpop-demo";
    private static final String OFF_REALM = "dpop-demo-off";
    private static final String CLIENT = "legacy";
    private static final String SECRET = "legacy-secret";
    private static final long TICK_MICROS = 10_000; // USER_HZ = 100 on Linux
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    /** token: the demo realm's token endpoint; offRealmToken: its twin's, which the plugin leaves alone (or null). */
    record Server(String name, Process process, URI token, URI offRealmToken, Path home) {
        long cpuTicks() {
            return ticks(Path.of("/proc/" + process.pid() + "/stat"));
        }

        /**
         * CPU of the JIT compiler threads ("C1/C2 CompilerThread", 15 characters in /proc). Compilation goes on long
         * after start, more of it in the server with more code, so it is reported apart: it is paid once, requests
         * pay the rest on every call. The servers run with -XX:-UseDynamicNumberOfCompilerThreads, so that no
         * compiler thread exits and takes its CPU time out of this sum.
         */
        long jitTicks() {
            try (Stream<Path> tasks = Files.list(Path.of("/proc/" + process.pid() + "/task"))) {
                return tasks.filter(task -> {
                    try {
                        String name = Files.readString(task.resolve("comm"));
                        return name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre");
                    } catch (IOException gone) {
                        return false;
                    }
                }).mapToLong(task -> ticks(task.resolve("stat"))).sum();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static long ticks(Path stat) {
            try {
                String line = Files.readString(stat);
                String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * alg null: Bearer, no DPoP header. userinfo: GET userinfo with a DPoP-bound token instead of a token request.
     * offRealm: in the twin realm the plugin is off for (off-realms), in the same server. bases: the names of the modes
     * this one is compared with (built-in DPoP alone, in this server and in a plain one).
     */
    record Mode(String name, Server server, String alg, boolean userinfo, boolean offRealm, List<String> bases) {

        Mode(String name, Server server, String alg, boolean userinfo, String... bases) {
            this(name, server, alg, userinfo, false, List.of(bases));
        }

        URI token() {
            return offRealm ? server.offRealmToken : server.token;
        }
    }

    /**
     * @param run           which fresh start of the servers (0-based)
     * @param requestMicros server CPU per request without the JIT compiler threads'
     */
    record Round(int run, String mode, int concurrency, int requests, double serverMicros, double requestMicros,
                 double clientMicros, double throughput) {
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(4)).build();
    private final Map<String, List<JWK>> keys = new LinkedHashMap<>();

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        Path pluginJar = Path.of(args[1]);
        Path realm = Path.of(args[2]);
        Path javaHome = Path.of(args[3]);
        Path out = Path.of(args[4]);
        int requests = args.length > 5 ? Integer.parseInt(args[5]) : 500;
        int rounds = args.length > 6 ? Integer.parseInt(args[6]) : 40;
        List<Integer> concurrency = Stream.of((args.length > 7 ? args[7] : "16,4").split(",")).map(Integer::valueOf).toList();
        List<String> algs = List.of((args.length > 8 ? args[8] : "ES256,RS256").split(","));
        int warmup = args.length > 9 ? Integer.parseInt(args[9]) : 3000;
        // optional: a third server with another plugin jar (the plugin without ProofSignatures, or an earlier build),
        // measured in the same rounds, and its label in the mode names
        Path otherJar = args.length > 10 && !args[10].isBlank() ? Path.of(args[10]) : null;
        String otherLabel = args.length > 11 ? args[11] : "plugin without signature reuse";
        // RUNS fresh starts of the servers, one after the other: what the JIT makes of a server differs from start
        // to start by more than the rounds of one start differ, so a figure needs several starts
        int runs = Integer.parseInt(System.getenv().getOrDefault("RUNS", "1"));

        TokenEndpointLoad load = new TokenEndpointLoad();
        List<Round> results = new ArrayList<>();
        List<String> modeNames = new ArrayList<>();
        Map<String, List<String>> bases = new LinkedHashMap<>();
        for (int run = 0; run < runs; run++) {
            Server plain = start(home, "plain", null, realm, javaHome);
            Server plugin = start(home, "plugin", pluginJar, realm, javaHome);
            Server other = otherJar == null ? null : start(home, "plugin-other", otherJar, realm, javaHome);
            try {
                List<Mode> modes = modes(plain, plugin, other, otherLabel, algs);
                if (run == 0) {
                    modes.forEach(mode -> {
                        modeNames.add(mode.name);
                        bases.put(mode.name, mode.bases);
                    });
                }
                load.run(run, modes, concurrency, requests, rounds, warmup, results);
            } finally {
                for (Server server : other == null ? List.of(plain, plugin) : List.of(plain, plugin, other)) {
                    server.process.destroy();
                    server.process.waitFor();
                }
            }
        }
        String table = table(modeNames, bases, concurrency, results, runs, warmup, javaHome);
        System.out.println(table);
        Files.writeString(out, table);
        System.exit(0); // the HTTP client's threads would keep the JVM alive
    }

    private static List<Mode> modes(Server plain, Server plugin, Server other, String otherLabel, List<String> algs) {
        List<Mode> modes = new ArrayList<>(List.of(new Mode("bearer, plain Keycloak", plain, null, false),
                new Mode("bearer, with plugin", plugin, null, false, "bearer, plain Keycloak")));
        // Built-in DPoP alone twice: in a plain server, and in the plugin's own server in the realm the plugin is off
        // for. The second comparison shares the JVM, its JIT and its heap with the plugin's mode, so what differs from
        // start to start (a few hundred µs per request between two servers) cancels out of it.
        for (String alg : algs) {
            String builtIn = alg + " DPoP, built-in only";
            String offRealm = alg + " DPoP, plugin off for the realm";
            modes.add(new Mode(builtIn, plain, alg, false));
            modes.add(new Mode(offRealm, plugin, alg, false, true, List.of()));
            modes.add(new Mode(alg + " DPoP, with plugin", plugin, alg, false, offRealm, builtIn));
            if (other != null) {
                modes.add(new Mode(alg + " DPoP, " + otherLabel, other, alg, false, builtIn));
            }
        }
        String builtIn = "userinfo ES256 DPoP, built-in only";
        String offRealm = "userinfo ES256 DPoP, plugin off for the realm";
        modes.add(new Mode(builtIn, plain, "ES256", true));
        modes.add(new Mode(offRealm, plugin, "ES256", true, true, List.of()));
        modes.add(new Mode("userinfo ES256 DPoP, with plugin", plugin, "ES256", true, offRealm, builtIn));
        // MODES (a regex on the mode names) narrows a run, e.g. MODES='RS256' for the RS256 pair alone
        String only = System.getenv("MODES");
        if (only != null && !only.isBlank()) {
            modes.removeIf(mode -> !java.util.regex.Pattern.compile(only).matcher(mode.name).find());
        }
        return modes;
    }

    private void run(int run, List<Mode> modes, List<Integer> concurrency, int requests, int rounds, int warmup,
                     List<Round> results) throws Exception {
        for (int c : concurrency) {
            // warm-up (JIT, caches), not recorded; in rounds of at most REQUESTS, whose proofs stay fresh
            for (int done = 0; done < warmup; done += requests) {
                for (Mode mode : modes) {
                    round(run, mode, c, Math.min(requests, warmup - done));
                }
            }
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < modes.size(); i++) {
                    // rotate the order each round so that no mode always follows the same one
                    Mode mode = modes.get((i + r) % modes.size());
                    Round result = round(run, mode, c, requests);
                    System.out.printf(Locale.ROOT, "run %d c=%d round %d %-38s server %7.1f µs/req (without JIT %7.1f)  client %7.1f µs/req  %7.1f req/s%n",
                            run + 1, c, r + 1, mode.name, result.serverMicros, result.requestMicros, result.clientMicros, result.throughput);
                    results.add(result);
                }
            }
        }
    }

    private Round round(int run, Mode mode, int concurrency, int requests) throws Exception {
        if (mode.userinfo) {
            return userinfoRound(run, mode, concurrency, requests);
        }
        List<String> proofs = mode.alg == null ? null : proofs(mode, concurrency, requests);
        String expectedType = mode.alg == null ? "\"token_type\":\"Bearer\"" : "\"token_type\":\"DPoP\"";
        return measure(run, mode, concurrency, requests, i -> {
            HttpRequest.Builder request = HttpRequest.newBuilder(mode.token()).timeout(Duration.ofSeconds(60))
                    .header("Authorization", basic()).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"));
            if (proofs != null) {
                request.header("DPoP", proofs.get(i));
            }
            return request.build();
        }, expectedType);
    }

    /** Sends request(i) for i in [0, requests) from {@code concurrency} threads; server CPU read around the window. */
    private Round measure(int run, Mode mode, int concurrency, int requests,
                          java.util.function.IntFunction<HttpRequest> request, String expected) throws Exception {
        AtomicInteger next = new AtomicInteger();
        long serverBefore = mode.server.cpuTicks();
        long jitBefore = mode.server.jitTicks();
        long clientBefore = processCpuNanos();
        long start = System.nanoTime();
        ExecutorService workers = Executors.newFixedThreadPool(concurrency);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                done.add(workers.submit(() -> {
                    for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                        HttpResponse<String> response = http.send(request.apply(i), HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() != 200 || !response.body().contains(expected)) {
                            throw new IllegalStateException(mode.name + ": " + response.statusCode() + " " + response.body());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            workers.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double serverMicros = (mode.server.cpuTicks() - serverBefore) * (double) TICK_MICROS / requests;
        double jitMicros = (mode.server.jitTicks() - jitBefore) * (double) TICK_MICROS / requests;
        double clientMicros = (processCpuNanos() - clientBefore) / 1e3 / requests;
        return new Round(run, mode.name, concurrency, requests, serverMicros, serverMicros - jitMicros, clientMicros,
                requests / seconds);
    }

    /**
     * RFC 9449 §7 at Keycloak's userinfo: each simulated client first gets a DPoP-bound token for its key
     * (client_credentials, scope openid: the service account's userinfo), then sends GET userinfo with a fresh proof
     * carrying {@code ath}; only the userinfo requests are measured.
     */
    private Round userinfoRound(int run, Mode mode, int concurrency, int requests) throws Exception {
        List<JWK> clientKeys = clientKeys(mode, concurrency);
        URI userinfo = mode.token().resolve("userinfo");
        List<String> tokens = new ArrayList<>();
        for (JWK key : clientKeys) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(mode.token())
                    .header("Authorization", basic()).header("Content-Type", "application/x-www-form-urlencoded")
                    .header("DPoP", sign(key, mode.alg, "POST", mode.token().toString(), new Date(), null))
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=openid")).build(),
                    HttpResponse.BodyHandlers.ofString());
            String body = response.body();
            int at = body.indexOf("\"access_token\":\"") + 16;
            if (response.statusCode() != 200 || at < 16) {
                throw new IllegalStateException("token for userinfo: " + response.statusCode() + " " + body);
            }
            tokens.add(body.substring(at, body.indexOf('"', at)));
        }
        Date iat = new Date(System.currentTimeMillis() + 5000);
        List<String> proofs = IntStream.range(0, requests).parallel().mapToObj(i -> sign(clientKeys.get(i % concurrency),
                mode.alg, "GET", userinfo.toString(), iat, tokens.get(i % concurrency))).toList();
        return measure(run, mode, concurrency, requests, i -> HttpRequest.newBuilder(userinfo).timeout(Duration.ofSeconds(60))
                .header("Authorization", "DPoP " + tokens.get(i % concurrency)).header("DPoP", proofs.get(i)).GET()
                .build(), "\"sub\"");
    }

    private static String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((CLIENT + ":" + SECRET).getBytes(StandardCharsets.UTF_8));
    }

    private List<JWK> clientKeys(Mode mode, int concurrency) {
        return keys.computeIfAbsent(mode.alg + "/" + mode.server.name + "/" + concurrency + "/" + mode.userinfo + "/" + mode.offRealm,
                k -> IntStream.range(0, concurrency).mapToObj(i -> newKey(mode.alg)).toList());
    }

    /** One key per simulated client; proof i is sent by client i % concurrency. */
    private List<String> proofs(Mode mode, int concurrency, int requests) {
        List<JWK> clientKeys = clientKeys(mode, concurrency);
        Date iat = new Date(System.currentTimeMillis() + 5000);
        String htu = mode.token().toString();
        return IntStream.range(0, requests).parallel()
                .mapToObj(i -> sign(clientKeys.get(i % concurrency), mode.alg, "POST", htu, iat, null)).toList();
    }

    private static JWK newKey(String alg) {
        try {
            return alg.startsWith("ES") ? new ECKeyGenerator(Curve.forJWSAlgorithm(JWSAlgorithm.parse(alg)).iterator().next()).generate()
                    : new RSAKeyGenerator(2048).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sign(JWK key, String alg, String htm, String htu, Date iat, String accessToken) {
        try {
            JWSSigner signer;
            if (alg.startsWith("ES")) {
                ECDSASigner ec = new ECDSASigner(key.toECKey());
                ec.getJCAContext().setProvider(BC);
                signer = ec;
            } else {
                signer = new RSASSASigner(key.toRSAKey());
            }
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().jwtID(UUID.randomUUID().toString())
                    .claim("htm", htm).claim("htu", htu).issueTime(iat);
            if (accessToken != null) {
                claims.claim("ath", Base64.getUrlEncoder().withoutPadding().encodeToString(
                        java.security.MessageDigest.getInstance("SHA-256").digest(accessToken.getBytes(StandardCharsets.US_ASCII))));
            }
            SignedJWT proof = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.parse(alg))
                    .type(new JOSEObjectType("dpop+jwt")).jwk(key.toPublicJWK()).build(), claims.build());
            proof.sign(signer);
            return proof.serialize();
        } catch (JOSEException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String table(List<String> modes, Map<String, List<String>> bases, List<Integer> concurrency,
                                List<Round> results, int runs, int warmup, Path javaHome) {
        StringBuilder out = new StringBuilder();
        out.append("Keycloak on ").append(javaVersion(javaHome)).append("; load generator on ")
                .append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version"))
                .append("; ").append(Runtime.getRuntime().availableProcessors()).append(" cores; ").append(runs)
                .append(runs == 1 ? " start" : " fresh starts").append(" of the servers\n\n");
        for (int c : concurrency) {
            out.append("concurrency ").append(c).append('\n');
            out.append(String.format(Locale.ROOT, "| %-38s | %-22s | %-22s | %-20s | %-18s |%n", "mode",
                    "server CPU µs/req (sd)", "without JIT µs/req (sd)", "req/s (sd)", "client CPU µs/req"));
            out.append("|---|---|---|---|---|\n");
            for (String mode : modes) {
                List<Round> rs = rounds(results, mode, c, -1);
                double[] server = rs.stream().mapToDouble(Round::serverMicros).toArray();
                double[] request = rs.stream().mapToDouble(Round::requestMicros).toArray();
                double[] tput = rs.stream().mapToDouble(Round::throughput).toArray();
                double[] client = rs.stream().mapToDouble(Round::clientMicros).toArray();
                out.append(String.format(Locale.ROOT, "| %-38s | %8.1f (%5.1f) | %8.1f (%5.1f) | %8.1f (%5.1f) | %8.1f |%n",
                        mode, mean(server), sd(server), mean(request), sd(request), mean(tput), sd(tput), mean(client)));
            }
            for (String mode : modes) {
                for (String base : bases.get(mode)) {
                    if (bases.containsKey(base)) { // else left out by MODES
                        compare(out, mode, base, c, results, runs);
                    }
                }
            }
            out.append('\n');
        }
        out.append(results.size()).append(" measured rounds of ").append(results.get(0).requests)
                .append(" requests each, modes alternating (order rotated every round), after ").append(warmup)
                .append(" warm-up requests per mode and concurrency")
                .append(runs > 1 ? " at each start.\n" : ".\n");
        return out.toString();
    }

    /** One mode against one of its bases: the plugin's cost per request, with its spread. */
    private static void compare(StringBuilder out, String mode, String base, int c, List<Round> results, int runs) {
        // Round r of one mode against round r of the other, within one start: the pairs share the machine's
        // and the JIT's state. Each start's mean difference is one sample of what a fresh start gives.
        double[] perRun = new double[runs];
        double[] perRunWithoutJit = new double[runs];
        double[] perRunThroughput = new double[runs];
        List<Double> paired = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            List<Round> with = rounds(results, mode, c, run);
            List<Round> without = rounds(results, base, c, run);
            int n = Math.min(with.size(), without.size());
            for (int i = 0; i < n; i++) {
                paired.add(with.get(i).serverMicros - without.get(i).serverMicros);
            }
            perRun[run] = mean(with, Round::serverMicros) - mean(without, Round::serverMicros);
            perRunWithoutJit[run] = mean(with, Round::requestMicros) - mean(without, Round::requestMicros);
            perRunThroughput[run] = mean(with, Round::throughput) / mean(without, Round::throughput);
        }
        double[] pairs = paired.stream().mapToDouble(Double::doubleValue).toArray();
        out.append(String.format(Locale.ROOT, "%s, over %s: plugin adds %+.1f µs server CPU per request "
                + "(standard error of the round-by-round differences %.1f µs; %+.1f µs without "
                + "JIT compilation); throughput %.3f× of it%n",
                mode.replace("DPoP, ", ""), base.replace("DPoP, ", ""), mean(perRun), sd(pairs) / Math.sqrt(pairs.length),
                mean(perRunWithoutJit), mean(perRunThroughput)));
        if (runs > 1) {
            out.append(String.format(Locale.ROOT, "    per start: %s µs (standard error across starts %.1f µs); "
                    + "without JIT %s µs; throughput %s%n", list(perRun, "%+.0f"),
                    sd(perRun) / Math.sqrt(runs), list(perRunWithoutJit, "%+.0f"), list(perRunThroughput, "%.3f")));
        }
    }

    private static List<Round> rounds(List<Round> results, String mode, int concurrency, int run) {
        return results.stream().filter(r -> r.mode.equals(mode) && r.concurrency == concurrency
                && (run < 0 || r.run == run)).toList();
    }

    private static double mean(List<Round> rounds, java.util.function.ToDoubleFunction<Round> value) {
        return rounds.stream().mapToDouble(value).average().orElse(Double.NaN);
    }

    private static String list(double[] values, String format) {
        return java.util.Arrays.stream(values).mapToObj(v -> String.format(Locale.ROOT, format, v))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    private static double mean(double[] v) {
        return v.length == 0 ? Double.NaN : java.util.Arrays.stream(v).average().orElse(Double.NaN);
    }

    private static double sd(double[] v) {
        double m = mean(v);
        return v.length < 2 ? 0 : Math.sqrt(java.util.Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / (v.length - 1));
    }

    private static String javaVersion(Path javaHome) {
        try {
            Process p = new ProcessBuilder(javaHome.resolve("bin/java").toString(), "-version").redirectErrorStream(true).start();
            String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("?");
            p.waitFor();
            return first;
        } catch (IOException | InterruptedException e) {
            return javaHome.toString();
        }
    }

    /** A fresh copy of the distribution, the realm to import, and the plugin jar or none; ready when discovery answers. */
    private static Server start(Path dist, String name, Path pluginJar, Path realm, Path javaHome) throws Exception {
        Path home = dist.toAbsolutePath().resolveSibling("load-" + name);
        deleteTree(home);
        copyTree(dist, home);
        deleteTree(home.resolve("data")); // the integration tests' database and plugin, if they ran from this copy
        try (Stream<Path> jars = Files.list(home.resolve("providers"))) {
            for (Path jar : (Iterable<Path>) jars.filter(j -> j.toString().endsWith(".jar"))::iterator) {
                Files.delete(jar);
            }
        }
        Files.createDirectories(home.resolve("data/import"));
        Files.copy(realm, home.resolve("data/import/realm.json"));
        int port;
        int managementPort;
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
            port = a.getLocalPort();
            managementPort = b.getLocalPort();
        }
        List<String> options = new ArrayList<>(List.of(home.resolve("bin/kc.sh").toString(), "start-dev",
                "--http-port=" + port, "--http-management-port=" + managementPort, "--import-realm", "--cache=local",
                "--log-level=WARN"));
        if (pluginJar != null) {
            Files.copy(pluginJar, home.resolve("providers/keycloak-dpop.jar"));
            // the demo realm again under another name, which the plugin leaves to Keycloak alone
            String twin = Files.readString(realm).replaceFirst("\"realm\"\\s*:\\s*\"" + REALM + "\"",
                    "\"realm\": \"" + OFF_REALM + "\"");
            Files.writeString(home.resolve("data/import/realm-off.json"), twin);
            options.add("--spi-dpop-policy--default--off-realms=" + OFF_REALM);
        }
        ProcessBuilder builder = new ProcessBuilder(options).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(home.resolve("keycloak.log").toFile());
        builder.environment().put("JAVA_HOME", javaHome.toString());
        builder.environment().put("JAVA_OPTS_KC_HEAP", "-Xms1g -Xmx1g");
        builder.environment().put("JAVA_OPTS_APPEND", (System.getenv().getOrDefault("JAVA_OPTS_APPEND", "")
                + " -XX:-UseDynamicNumberOfCompilerThreads").trim()); // see Server.jitTicks
        Process process = builder.start();
        URI base = URI.create("http://localhost:" + port + "/realms/" + REALM + "/");
        URI offRealmToken = pluginJar == null ? null
                : URI.create("http://localhost:" + port + "/realms/" + OFF_REALM + "/protocol/openid-connect/token");
        HttpClient probe = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " Keycloak exited; see " + home.resolve("keycloak.log"));
            }
            try {
                if (probe.send(HttpRequest.newBuilder(base.resolve(".well-known/openid-configuration")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    System.out.println(name + " Keycloak ready on port " + port + " (pid " + process.pid() + ")");
                    return new Server(name, process, base.resolve("protocol/openid-connect/token"), offRealmToken, home);
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        process.destroy();
        throw new IllegalStateException(name + " Keycloak not ready in 4 minutes");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
