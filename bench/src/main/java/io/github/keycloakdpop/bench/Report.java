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

/**
 * Turns one run of bench/run-micro.sh into report.md (a table of µs per proof and ratios to OpenSSL, with the
 * issue's targets checked) and report.svg (a bar chart of the cost per proof by implementation).
 * Usage: Report DIR "CPU model" "load average" — DIR holds openssl.txt, jmh-jdk*.json, jdk*.version, footprint.txt.
 */
public final class Report {

    /** Benchmark method → label, in the order of the table and the chart. */
    private static final Map<String, String> LABELS = new LinkedHashMap<>();

    static {
        LABELS.put("VerifyBench.oursFastKeySeenBefore", "keycloak-dpop fast path, key seen before");
        LABELS.put("VerifyBench.oursFastKeyNeverSeen", "keycloak-dpop fast path, key never seen");
        LABELS.put("VerifyBench.oursJose4jReference", "keycloak-dpop jose4j reference path");
        LABELS.put("VerifyBench.jose4jJwtConsumer", "jose4j JwtConsumer, same checks");
        LABELS.put("VerifyBench.nimbusDPoPVerifier", "Nimbus oauth2-oidc-sdk DPoPTokenRequestVerifier");
        LABELS.put("VerifyBench.springDPoPDecoder", "Spring Security DPoPProofJwtDecoderFactory");
        LABELS.put("VerifyBench.keycloakBcJca", "Keycloak's path (BC via JCA, key decoded per proof)");
    }

    private static final String[] COMPETITORS = {"VerifyBench.oursJose4jReference", "VerifyBench.jose4jJwtConsumer",
            "VerifyBench.nimbusDPoPVerifier", "VerifyBench.springDPoPDecoder", "VerifyBench.keycloakBcJca"};

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        String cpu = args.length > 1 ? args[1] : "?";
        String load = args.length > 2 ? args[2] : "?";
        String openssl = Files.readString(dir.resolve("openssl.txt"));
        double sslEcdsa = microsPerVerify(openssl, "256 bits ecdsa \\(nistp256\\)");
        double sslRsa = microsPerVerify(openssl, "rsa 2048 bits");
        double sslEd25519 = microsPerVerify(openssl, "253 bits EdDSA \\(Ed25519\\)");

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
        md.append("# DPoP proof verification: cost per proof (ES256)\n\n");
        md.append("- date (UTC): ").append(dir.getFileName()).append('\n');
        md.append("- CPU: ").append(cpu).append("; load average when the run started: ").append(load).append('\n');
        for (String jdk : jdks) {
            md.append("- JDK ").append(jdk).append(": ").append(readOr(dir.resolve("jdk" + jdk + ".version"), "?")).append('\n');
        }
        md.append(String.format(Locale.ROOT, "- OpenSSL (`openssl speed -seconds 3`, CPU time): ECDSA P-256 verify %.1f µs, RSA-2048 verify %.1f µs, Ed25519 verify %s%n",
                sslEcdsa, sslRsa, Double.isNaN(sslEd25519) ? "n/a" : String.format(Locale.ROOT, "%.1f µs", sslEd25519)));
        md.append("- each figure: the complete RFC 9449 check of one fresh proof (parse, every check, signature, thumbprint, in-memory replay store); JMH average time, wall clock\n\n");

        md.append("| implementation |");
        for (String jdk : jdks) {
            md.append(" JDK ").append(jdk).append(" µs/op | × OpenSSL |");
        }
        md.append("\n|---|");
        md.append("---:|---:|".repeat(jdks.size())).append('\n');
        for (Map.Entry<String, String> row : LABELS.entrySet()) {
            md.append("| ").append(row.getValue()).append(" |");
            for (String jdk : jdks) {
                double[] score = byJdk.get(jdk).get(row.getKey());
                md.append(score == null ? " – | – |" : String.format(Locale.ROOT, " %.1f ± %.1f | %.2f |", score[0], score[1], score[0] / sslEcdsa));
            }
            md.append('\n');
        }

        md.append("\n## Targets (issue)\n\n| target |");
        for (String jdk : jdks) {
            md.append(" JDK ").append(jdk).append(" |");
        }
        md.append("\n|---|").append("---|".repeat(jdks.size())).append('\n');
        target(md, jdks, byJdk, "key seen before ≤ 2 × OpenSSL", s -> check(s.get("VerifyBench.oursFastKeySeenBefore"), 2 * sslEcdsa));
        target(md, jdks, byJdk, "key never seen ≤ 4 × OpenSSL", s -> check(s.get("VerifyBench.oursFastKeyNeverSeen"), 4 * sslEcdsa));
        target(md, jdks, byJdk, "never slower than any other verifier (fast path, new key, vs each)", s -> {
            double fastest = Double.MAX_VALUE;
            for (String c : COMPETITORS) {
                if (s.get(c) != null) {
                    fastest = Math.min(fastest, s.get(c)[0]);
                }
            }
            return fastest == Double.MAX_VALUE ? "–" : check(s.get("VerifyBench.oursFastKeyNeverSeen"), fastest);
        });

        md.append("\n## Key cache: returning-key cost by number of distinct keys (bound ").append(io.github.keycloakdpop.core.ProofKeyCache.DEFAULT_MAX_ENTRIES).append(")\n\n| distinct keys |");
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
        md.append("\n## Key cache memory (JOL, full BouncyCastle precomputation per key)\n\n```\n")
                .append(readOr(dir.resolve("footprint.txt"), "not measured")).append("```\n");
        for (String jdk : jdks) {
            Path cpuTime = dir.resolve("cpu-time-jdk" + jdk + ".txt");
            if (Files.exists(cpuTime)) {
                md.append("\n## Thread CPU time, JDK ").append(jdk).append(" (CpuTimeProbe; indicative on a busy machine)\n\n```\n")
                        .append(readOr(cpuTime, "")).append("\n```\n");
            }
        }
        Files.writeString(dir.resolve("report.md"), md.toString());
        Files.writeString(dir.resolve("report.svg"), svg(jdks, byJdk, sslEcdsa));
        System.out.print(md);
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
        if (score == null) {
            return "–";
        }
        return String.format(Locale.ROOT, "%s (%.1f vs %.1f µs)", score[0] <= limit ? "met" : "NOT met", score[0], limit);
    }

    /** µs per verification from an {@code openssl speed} summary line: 1e6 / verify/s (its last column). */
    static double microsPerVerify(String openssl, String row) {
        Matcher m = Pattern.compile("^\\s*" + row + "\\s.*?([\\d.]+)\\s*$", Pattern.MULTILINE).matcher(openssl);
        return m.find() ? 1e6 / Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** benchmark (short name, with ":param" for parameterized ones) → {score, error}. */
    private static Map<String, double[]> scores(Path json) throws IOException {
        Map<String, double[]> scores = new LinkedHashMap<>();
        for (JsonNode run : new ObjectMapper().readTree(json.toFile())) {
            String name = run.get("benchmark").asText().replace("io.github.keycloakdpop.bench.", "");
            JsonNode params = run.get("params");
            if (params != null && params.has("keys")) {
                name += ":" + params.get("keys").asText();
            }
            JsonNode metric = run.get("primaryMetric");
            double error = metric.get("scoreError").asDouble();
            scores.put(name, new double[] {metric.get("score").asDouble(), Double.isNaN(error) ? 0 : error});
        }
        return scores;
    }

    private static String readOr(Path path, String fallback) {
        try {
            return Files.readString(path).trim() + (path.toString().endsWith("footprint.txt") ? "\n" : "");
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
                if (scores.get(key) != null) {
                    max = Math.max(max, scores.get(key)[0]);
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
                double[] score = byJdk.get(jdks.get(i)).get(entry.getKey());
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
