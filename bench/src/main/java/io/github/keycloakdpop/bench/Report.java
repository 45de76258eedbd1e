package io.github.keycloakdpop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.keycloakdpop.core.ProofKeyCache;

/**
 * Turns one run of bench/run-micro.sh into report.md (per algorithm: µs per proof and the ratio to OpenSSL's
 * verify, with the issue's targets checked; the resource-side check; the key cache; the scale run) and report.svg
 * (a bar chart of the ES256 cost per proof by implementation).
 * Usage: Report DIR "CPU model" "load average" — DIR holds openssl.txt, jmh-jdk*.json, jdk*.version, and where
 * they were run footprint.txt, scale-jdk*.txt, cpu-time-jdk*.txt, run.txt.
 */
public final class Report {

    /** VerifyBench method → label, in the order of the tables and the chart. */
    private static final Map<String, String> LABELS = new LinkedHashMap<>();

    static {
        LABELS.put("VerifyBench.oursFastKeySeenBefore", "keycloak-dpop fast path, key seen before");
        LABELS.put("VerifyBench.oursFastKeyNeverSeen", "keycloak-dpop fast path, key never seen");
        LABELS.put("VerifyBench.oursJose4jReference", "keycloak-dpop jose4j reference path");
        LABELS.put("VerifyBench.jose4jJwtConsumer", "jose4j JwtConsumer, same checks");
        LABELS.put("VerifyBench.nimbusDPoPVerifier", "Nimbus oauth2-oidc-sdk DPoPTokenRequestVerifier");
        LABELS.put("VerifyBench.springDPoPDecoder", "Spring Security DPoPProofJwtDecoderFactory");
        LABELS.put("VerifyBench.keycloakBcJca", "Keycloak 26's path (key decoded per proof, JCA)");
    }

    /** The verifiers the issue's target names: ours must be no slower than any of them, for every algorithm. */
    private static final String[] COMPETITORS = {"VerifyBench.jose4jJwtConsumer", "VerifyBench.nimbusDPoPVerifier",
            "VerifyBench.springDPoPDecoder", "VerifyBench.keycloakBcJca"};

    private static final Map<String, String> RESOURCE_LABELS = new LinkedHashMap<>();

    static {
        RESOURCE_LABELS.put("ResourceBench.oursResourceCheck", "keycloak-dpop core DPoPResourceCheck");
        RESOURCE_LABELS.put("ResourceBench.nimbusResourceVerifier", "Nimbus DPoPProtectedResourceRequestVerifier");
        RESOURCE_LABELS.put("ResourceBench.springDPoPAuthenticationProvider", "Spring Security DPoPAuthenticationProvider");
    }

    /** Algorithm → the {@code openssl speed} row of its verify figure (PS256: RSA-2048 verify, as for RS256). */
    private static final Map<String, String> OPENSSL_ROWS = Map.of(
            "ES256", "256 bits ecdsa \\(nistp256\\)", "ES384", "384 bits ecdsa \\(nistp384\\)",
            "ES512", "521 bits ecdsa \\(nistp521\\)", "RS256", "rsa 2048 bits", "PS256", "rsa 2048 bits",
            "EdDSA", "253 bits EdDSA \\(Ed25519\\)");
    private static final Map<String, String> OPENSSL_NAMES = Map.of("ES256", "ECDSA P-256", "ES384", "ECDSA P-384",
            "ES512", "ECDSA P-521", "RS256", "RSA-2048", "PS256", "RSA-2048 (PKCS #1 v1.5 figure)", "EdDSA", "Ed25519");

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        String cpu = args.length > 1 ? args[1] : "?";
        String load = args.length > 2 ? args[2] : "?";
        String openssl = readOr(dir.resolve("openssl.txt"), "");
        Map<String, Double> ssl = new LinkedHashMap<>();
        for (String alg : ProofPool.ALGORITHMS) {
            ssl.put(alg, microsPerVerify(openssl, OPENSSL_ROWS.get(alg)));
        }

        List<String> jdks = new ArrayList<>();
        Map<String, Map<String, double[]>> byJdk = new LinkedHashMap<>();
        try (var files = Files.list(dir)) {
            for (Path json : files.filter(p -> p.getFileName().toString().matches("jmh-jdk\\d+\\.json")).sorted().toList()) {
                String jdk = json.getFileName().toString().replaceAll("\\D", "");
                jdks.add(jdk);
                byJdk.put(jdk, scores(json));
            }
        }

        StringBuilder md = new StringBuilder();
        md.append("# DPoP proof verification: cost per proof, by algorithm\n\n");
        md.append("- date (UTC): ").append(dir.getFileName()).append('\n');
        md.append("- CPU: ").append(cpu).append("; load average when the run started: ").append(load).append('\n');
        for (String jdk : jdks) {
            md.append("- JDK ").append(jdk).append(": ").append(readOr(dir.resolve("jdk" + jdk + ".version"), "?")).append('\n');
        }
        String run = readOr(dir.resolve("run.txt"), "");
        if (!run.isEmpty()) {
            md.append("- run: ").append(run.replace("\n", "; ")).append('\n');
        }
        md.append("- OpenSSL verify (`openssl speed`, CPU time):");
        for (String alg : List.of("ES256", "ES384", "ES512", "RS256", "EdDSA")) {
            md.append(' ').append(OPENSSL_NAMES.get(alg)).append(' ').append(micros(ssl.get(alg))).append(alg.equals("EdDSA") ? "" : ",");
        }
        md.append('\n');
        md.append("- each figure: the complete RFC 9449 check of one fresh proof (parse, every check, signature, thumbprint, "
                + "in-memory replay store); JMH average time, wall clock; RSA keys of 2048 bits, EdDSA is Ed25519\n");
        md.append("- Keycloak's path: its own classes; the signature provider is JCA's choice as on a stock Keycloak (BouncyCastle for "
                + "ECDSA and PS256, the JDK for RS256 and Ed25519) unless the run says \"Keycloak signature bc\" (BouncyCastle for all)\n");
        md.append("- \"not supported\": Nimbus's and Spring's DPoP verifiers accept the RSA and EC families only (no EdDSA); "
                + "the jose4j reference path (ours, not the product's) is measured for ES256 only\n");

        for (String alg : ProofPool.ALGORITHMS) {
            if (measured(byJdk, alg)) {
                algorithmTable(md, alg, jdks, byJdk, ssl.get(alg));
            }
        }
        targets(md, jdks, byJdk, ssl.get("ES256"));
        resourceTable(md, jdks, byJdk);
        keyCacheTable(md, jdks, byJdk);
        md.append("\n## Key cache memory (JOL, full BouncyCastle precomputation per key)\n\n```\n")
                .append(readOr(dir.resolve("footprint.txt"), "not measured")).append("\n```\n");
        for (String jdk : jdks) {
            appendFile(md, dir.resolve("scale-jdk" + jdk + ".txt"), "Scale run, JDK " + jdk
                    + " (ScaleRun: fresh proofs through one verifier, expiring replay store; heap after System.gc())");
            appendFile(md, dir.resolve("cpu-time-jdk" + jdk + ".txt"), "Thread CPU time, JDK " + jdk + " (CpuTimeProbe; indicative on a busy machine)");
        }
        Files.writeString(dir.resolve("report.md"), md.toString());
        Files.writeString(dir.resolve("report.svg"), svg(jdks, byJdk, ssl.get("ES256")));
        System.out.print(md);
    }

    /** One algorithm: a row per implementation, µs per proof and × OpenSSL's verify per JDK. */
    private static void algorithmTable(StringBuilder md, String alg, List<String> jdks, Map<String, Map<String, double[]>> byJdk, double ssl) {
        md.append("\n## ").append(alg).append(" (OpenSSL ").append(OPENSSL_NAMES.get(alg)).append(" verify: ").append(micros(ssl)).append(")\n\n| implementation |");
        for (String jdk : jdks) {
            md.append(" JDK ").append(jdk).append(" µs/op | × OpenSSL |");
        }
        md.append("\n|---|").append("---:|---:|".repeat(jdks.size())).append('\n');
        for (Map.Entry<String, String> row : LABELS.entrySet()) {
            md.append("| ").append(row.getValue()).append(" |");
            for (String jdk : jdks) {
                double[] score = byJdk.get(jdk).get(verifyKey(row.getKey(), alg));
                if (score == null) {
                    md.append(" ").append(missing(row.getKey(), alg)).append(" | |");
                } else {
                    md.append(String.format(Locale.ROOT, " %.1f ± %.1f | %s |", score[0], score[1],
                            Double.isNaN(ssl) ? "–" : String.format(Locale.ROOT, "%.2f", score[0] / ssl)));
                }
            }
            md.append('\n');
        }
    }

    /** Why a table cell is empty: the contender cannot verify the algorithm, it was left out, or it did not run. */
    private static String missing(String benchmark, String alg) {
        String method = benchmark.substring(benchmark.indexOf('.') + 1);
        if (!Contenders.supports(method, alg)) {
            return "not supported";
        }
        return method.equals("oursJose4jReference") && !alg.equals("ES256") ? "not measured" : "–";
    }

    private static boolean measured(Map<String, Map<String, double[]>> byJdk, String alg) {
        return byJdk.values().stream().anyMatch(scores -> scores.keySet().stream().anyMatch(key -> key.endsWith("@" + alg)));
    }

    /** The issue's targets: ES256 against OpenSSL, and ours no slower than any other verifier for every algorithm. */
    private static void targets(StringBuilder md, List<String> jdks, Map<String, Map<String, double[]>> byJdk, double sslEcdsa) {
        md.append("\n## Targets (issue)\n\n| target |");
        for (String jdk : jdks) {
            md.append(" JDK ").append(jdk).append(" |");
        }
        md.append("\n|---|").append("---|".repeat(jdks.size())).append('\n');
        target(md, jdks, byJdk, "ES256, key seen before ≤ 2 × OpenSSL", s -> check(s.get(verifyKey("VerifyBench.oursFastKeySeenBefore", "ES256")), 2 * sslEcdsa));
        target(md, jdks, byJdk, "ES256, key never seen ≤ 4 × OpenSSL", s -> check(s.get(verifyKey("VerifyBench.oursFastKeyNeverSeen", "ES256")), 4 * sslEcdsa));
        for (String alg : ProofPool.ALGORITHMS) {
            target(md, jdks, byJdk, alg + ": ours (key seen before) no slower than jose4j, Nimbus, Spring, Keycloak",
                    s -> fastest(s, alg, "VerifyBench.oursFastKeySeenBefore"));
        }
        target(md, jdks, byJdk, "**ours is the fastest for every algorithm**", s -> everyAlgorithm(s, "VerifyBench.oursFastKeySeenBefore"));
        target(md, jdks, byJdk, "the same with every key never seen before (ours new key vs their pool of 16 keys)",
                s -> everyAlgorithm(s, "VerifyBench.oursFastKeyNeverSeen"));
    }

    private static String fastest(Map<String, double[]> scores, String alg, String ours) {
        String rival = fastestRival(scores, alg);
        if (rival == null) {
            return "–";
        }
        String verdict = check(scores.get(verifyKey(ours, alg)), scores.get(verifyKey(rival, alg))[0]);
        return verdict + ", fastest other: " + LABELS.get(rival).replaceAll(" [(,].*", "");
    }

    private static String fastestRival(Map<String, double[]> scores, String alg) {
        String rival = null;
        for (String c : COMPETITORS) {
            double[] score = scores.get(verifyKey(c, alg));
            if (score != null && (rival == null || score[0] < scores.get(verifyKey(rival, alg))[0])) {
                rival = c;
            }
        }
        return rival;
    }

    private static String everyAlgorithm(Map<String, double[]> scores, String ours) {
        List<String> slower = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String alg : ProofPool.ALGORITHMS) {
            String rival = fastestRival(scores, alg);
            double[] score = scores.get(verifyKey(ours, alg));
            if (rival == null || score == null) {
                missing.add(alg);
            } else if (score[0] > scores.get(verifyKey(rival, alg))[0]) {
                slower.add(alg);
            }
        }
        if (!slower.isEmpty()) {
            return "**no** (slower: " + String.join(", ", slower) + ")";
        }
        return missing.isEmpty() ? "**yes**" : "undecided (not measured: " + String.join(", ", missing) + ")";
    }

    private static void resourceTable(StringBuilder md, List<String> jdks, Map<String, Map<String, double[]>> byJdk) {
        md.append("\n## Resource server (RFC 9449 §7, ES256): proof, `ath` and `cnf.jkt` of one request\n\n| implementation |");
        for (String jdk : jdks) {
            md.append(" JDK ").append(jdk).append(" µs/op | ops/s |");
        }
        md.append("\n|---|").append("---:|---:|".repeat(jdks.size())).append('\n');
        for (Map.Entry<String, String> row : RESOURCE_LABELS.entrySet()) {
            md.append("| ").append(row.getValue()).append(" |");
            for (String jdk : jdks) {
                double[] score = byJdk.get(jdk).get(row.getKey());
                md.append(score == null ? " – | – |" : String.format(Locale.ROOT, " %.1f ± %.1f | %,.0f |", score[0], score[1], 1e6 / score[0]));
            }
            md.append('\n');
        }
        md.append("| ours the fastest |");
        for (String jdk : jdks) {
            Map<String, double[]> s = byJdk.get(jdk);
            double[] ours = s.get("ResourceBench.oursResourceCheck");
            double best = Double.MAX_VALUE;
            for (String other : List.of("ResourceBench.nimbusResourceVerifier", "ResourceBench.springDPoPAuthenticationProvider")) {
                if (s.get(other) != null) {
                    best = Math.min(best, s.get(other)[0]);
                }
            }
            md.append(ours == null || best == Double.MAX_VALUE ? " – | |" : " " + (ours[0] <= best ? "**yes**" : "**no**") + " | |");
        }
        md.append('\n');
    }

    private static void keyCacheTable(StringBuilder md, List<String> jdks, Map<String, Map<String, double[]>> byJdk) {
        md.append("\n## Key cache: returning-key cost by number of distinct keys (ES256, bound ").append(ProofKeyCache.DEFAULT_MAX_ENTRIES).append(")\n\n| distinct keys |");
        for (String jdk : jdks) {
            md.append(" JDK ").append(jdk).append(" µs/op |");
        }
        md.append("\n|---:|").append("---:|".repeat(jdks.size())).append('\n');
        for (String key : byJdk.isEmpty() ? List.<String>of() : byJdk.values().iterator().next().keySet()) {
            if (key.startsWith("KeyCacheBench")) {
                md.append("| ").append(key.substring(key.indexOf(':') + 1)).append(" |");
                for (String jdk : jdks) {
                    double[] score = byJdk.get(jdk).get(key);
                    md.append(score == null ? " – |" : String.format(Locale.ROOT, " %.1f ± %.1f |", score[0], score[1]));
                }
                md.append('\n');
            }
        }
    }

    private interface Target {
        String verdict(Map<String, double[]> scores);
    }

    private static void target(StringBuilder md, List<String> jdks, Map<String, Map<String, double[]>> byJdk, String name, Target target) {
        md.append("| ").append(name).append(" |");
        for (String jdk : jdks) {
            md.append(' ').append(target.verdict(byJdk.get(jdk))).append(" |");
        }
        md.append('\n');
    }

    private static String check(double[] score, double limit) {
        if (score == null || Double.isNaN(limit)) {
            return "–";
        }
        return String.format(Locale.ROOT, "%s (%.1f vs %.1f µs)", score[0] <= limit ? "met" : "NOT met", score[0], limit);
    }

    private static String micros(double value) {
        return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%.1f µs", value);
    }

    /**
     * µs per verification from {@code openssl speed} output: 1e6 / the row's verify/s, found by the column of
     * "verify/s" in the nearest header above the row (OpenSSL 3.2 and later add encrypt/decrypt columns for RSA).
     */
    static double microsPerVerify(String openssl, String row) {
        Matcher m = Pattern.compile("^\\s*" + row + "\\s.*$", Pattern.MULTILINE).matcher(openssl);
        if (!m.find()) {
            return Double.NaN;
        }
        String before = openssl.substring(0, m.start());
        int headerAt = before.lastIndexOf("verify/s");
        String header = headerAt < 0 ? "" : before.substring(before.lastIndexOf('\n', headerAt) + 1).lines().findFirst().orElse("");
        List<String> columns = List.of(header.trim().split("\\s+"));
        int fromEnd = columns.contains("verify/s") ? columns.size() - 1 - columns.indexOf("verify/s") : 0;
        String[] values = m.group().trim().split("\\s+");
        return 1e6 / Double.parseDouble(values[values.length - 1 - fromEnd]);
    }

    /** The score key of a VerifyBench method for one algorithm. */
    static String verifyKey(String benchmark, String alg) {
        return benchmark + "@" + alg;
    }

    /**
     * benchmark (short name; VerifyBench with "@alg", ES256 for runs from before the alg parameter; KeyCacheBench
     * with ":keys") → {score, error}.
     */
    private static Map<String, double[]> scores(Path json) throws IOException {
        Map<String, double[]> scores = new LinkedHashMap<>();
        for (JsonNode run : new ObjectMapper().readTree(json.toFile())) {
            String name = run.get("benchmark").asText().replace("io.github.keycloakdpop.bench.", "");
            JsonNode params = run.get("params");
            if (params != null && params.has("keys")) {
                name += ":" + params.get("keys").asText();
            }
            if (name.startsWith("VerifyBench.")) {
                name = verifyKey(name, params != null && params.has("alg") ? params.get("alg").asText() : "ES256");
            }
            JsonNode metric = run.get("primaryMetric");
            double error = metric.get("scoreError").asDouble();
            scores.put(name, new double[] {metric.get("score").asDouble(), Double.isNaN(error) ? 0 : error});
        }
        return scores;
    }

    private static void appendFile(StringBuilder md, Path file, String title) {
        if (Files.exists(file)) {
            md.append("\n## ").append(title).append("\n\n```\n").append(readOr(file, "")).append("\n```\n");
        }
    }

    private static String readOr(Path path, String fallback) {
        try {
            return Files.readString(path).trim();
        } catch (IOException e) {
            return fallback;
        }
    }

    /** Horizontal bars, one group per implementation, one bar per JDK; dashed lines at 1×, 2× and 4× OpenSSL. */
    private static String svg(List<String> jdks, Map<String, Map<String, double[]>> byJdk, double openssl) {
        String[] colors = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759"};
        int labelWidth = 380;
        int chartWidth = 560;
        int barHeight = 14;
        int groupHeight = barHeight * Math.max(1, jdks.size()) + 12;
        int top = 50;
        double max = 4 * openssl;
        for (Map<String, double[]> scores : byJdk.values()) {
            for (String key : LABELS.keySet()) {
                double[] score = scores.get(verifyKey(key, "ES256"));
                if (score != null) {
                    max = Math.max(max, score[0]);
                }
            }
        }
        int height = top + groupHeight * LABELS.size() + 50;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                labelWidth + chartWidth + 120, height));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append("<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">Cost of one complete DPoP proof check (ES256), µs per proof, lower is better</text>\n");
        for (int i = 0; i < jdks.size(); i++) {
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"30\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"40\">JDK %s</text>%n",
                    labelWidth + i * 90, colors[i % colors.length], labelWidth + 16 + i * 90, jdks.get(i)));
        }
        int row = 0;
        for (Map.Entry<String, String> entry : LABELS.entrySet()) {
            int y = top + row++ * groupHeight;
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                    labelWidth - 8, y + groupHeight / 2, escape(entry.getValue())));
            for (int i = 0; i < jdks.size(); i++) {
                double[] score = byJdk.get(jdks.get(i)).get(verifyKey(entry.getKey(), "ES256"));
                if (score == null) {
                    continue;
                }
                double width = chartWidth * score[0] / max;
                int barY = y + i * barHeight;
                svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>"
                                + "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%.0f</text>%n",
                        labelWidth, barY, width, barHeight - 2, colors[i % colors.length], labelWidth + width + 4, barY + barHeight - 3, score[0]));
            }
        }
        int[] multiples = {1, 2, 4};
        for (int i = 0; i < multiples.length; i++) {
            // Staggered labels: the lines can be close together when the slowest bar is far out.
            double x = labelWidth + chartWidth * multiples[i] * openssl / max;
            int labelY = height - 34 + 12 * i;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%d× OpenSSL (%.0f µs)</text>%n",
                    x, top - 4, x, labelY - 10, x + 3, labelY, multiples[i], multiples[i] * openssl));
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;");
    }
}
