package io.github.keycloakdpop.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.keycloakdpop.bench.Contenders.Contender;
import io.github.keycloakdpop.bench.Contenders.MemoryReplayStore;
import io.github.keycloakdpop.core.ProofKeyCache;

/**
 * Indicative figures for a busy machine: the same contenders and proof pools as {@link VerifyBench}, but timed in
 * thread CPU time rather than wall time, so other processes competing for the cores inflate them less. No
 * substitute for JMH on a quiet machine (caches and frequency are still shared). Usage: CpuTimeProbe [seconds [name filter]].
 */
public final class CpuTimeProbe {

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        String only = args.length > 1 ? args[1] : "";
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<String> known = ProofPool.es256(VerifyBench.POOL, VerifyBench.KNOWN_KEYS);
        List<String> fresh = ProofPool.es256(VerifyBench.POOL, VerifyBench.POOL);
        MemoryReplayStore replay = new MemoryReplayStore();
        Map<String, Object[]> contenders = new LinkedHashMap<>();
        contenders.put("oursFastKeySeenBefore", new Object[] {Contenders.ours(replay, ProofKeyCache.defaults()), known});
        contenders.put("oursFastKeyNeverSeen", new Object[] {Contenders.ours(replay, new ProofKeyCache(256, ProofKeyCache.DEFAULT_MAX_AGE)), fresh});
        contenders.put("oursJose4jReference", new Object[] {Contenders.ours(replay, null), known});
        contenders.put("jose4jJwtConsumer", new Object[] {Contenders.jose4j(replay), known});
        contenders.put("nimbusDPoPVerifier", new Object[] {Contenders.nimbus(replay), known});
        contenders.put("springDPoPDecoder", new Object[] {Contenders.spring(), known});
        contenders.put("keycloakBcJca", new Object[] {Contenders.keycloak(replay), known});
        System.out.printf("java %s%n", System.getProperty("java.version"));
        for (Map.Entry<String, Object[]> entry : contenders.entrySet()) {
            if (!entry.getKey().contains(only)) {
                continue;
            }
            Contender contender = (Contender) entry.getValue()[0];
            @SuppressWarnings("unchecked")
            List<String> proofs = (List<String>) entry.getValue()[1];
            // One cursor for warm-up and measurement: Spring's own jti cache (1000 entries) cannot be cleared, so a
            // pool must never start over while its last 1000 proofs are still in there.
            int[] cursor = {0};
            run(contender, proofs, cursor, replay, seconds, threads); // warm-up
            double micros = run(contender, proofs, cursor, replay, seconds, threads);
            System.out.printf("%-24s %10.1f us/op (thread CPU time)%n", entry.getKey(), micros);
        }
    }

    private static double run(Contender contender, List<String> proofs, int[] cursor, MemoryReplayStore replay,
                              double seconds, ThreadMXBean threads) throws Exception {
        replay.clear();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long ops = 0;
        while (System.nanoTime() < deadline) {
            if (cursor[0] == proofs.size()) {
                cursor[0] = 0;
                replay.clear();
            }
            contender.verify(proofs.get(cursor[0]++));
            ops++;
        }
        return (threads.getCurrentThreadCpuTime() - cpuStart) / 1e3 / ops;
    }
}
