package io.github.keycloakdpop.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;

import io.github.keycloakdpop.bench.Contenders.Contender;
import io.github.keycloakdpop.bench.Contenders.MemoryReplayStore;
import io.github.keycloakdpop.core.ProofKeyCache;

/**
 * Indicative figures for a busy machine: the same contenders and proof pools as {@link VerifyBench}, but timed in
 * thread CPU time rather than wall time, so other processes competing for the cores inflate them less. No
 * substitute for JMH on a quiet machine (caches and frequency are still shared).
 * Usage: CpuTimeProbe [seconds [name filter [alg]]] (alg: ES256 by default).
 */
public final class CpuTimeProbe {

    private static final List<String> NAMES = List.of("oursFastKeySeenBefore", "oursFastKeyNeverSeen", "oursJose4jReference",
            "jose4jJwtConsumer", "nimbusDPoPVerifier", "springDPoPDecoder", "keycloakBcJca");

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        String only = args.length > 1 ? args[1] : "";
        String alg = args.length > 2 ? args[2] : "ES256";
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<String> known = ProofPool.proofs(alg, VerifyBench.POOL, VerifyBench.KNOWN_KEYS);
        List<String> fresh = alg.startsWith("ES") || alg.equals("EdDSA") ? ProofPool.proofs(alg, VerifyBench.POOL, VerifyBench.POOL) : known;
        int newKeyCache = fresh == known ? 0 : 256;
        MemoryReplayStore replay = new MemoryReplayStore();
        System.out.printf("java %s, %s%n", System.getProperty("java.version"), alg);
        for (String name : NAMES) {
            if (!name.contains(only) || !Contenders.supports(name, alg)) {
                continue;
            }
            boolean neverSeen = name.equals("oursFastKeyNeverSeen");
            Contender contender = neverSeen
                    ? Contenders.ours(replay, new ProofKeyCache(newKeyCache, ProofKeyCache.DEFAULT_MAX_AGE))
                    : Contenders.named(name, replay);
            List<String> proofs = neverSeen ? fresh : known;
            // One cursor for warm-up and measurement: Spring's own jti cache (1000 entries) cannot be cleared, so a
            // pool must never start over while its last 1000 proofs are still in there.
            int[] cursor = {0};
            run(contender, proofs, cursor, replay, seconds, threads); // warm-up
            double micros = run(contender, proofs, cursor, replay, seconds, threads);
            System.out.printf("%-24s %10.1f us/op (thread CPU time)%n", name, micros);
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
