package io.github.keycloakdpop.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import io.github.keycloakdpop.core.DPoPProofException;
import io.github.keycloakdpop.core.DPoPProofVerifier;
import io.github.keycloakdpop.core.ProofKeyCache;
import io.github.keycloakdpop.core.ProofPolicy;
import io.github.keycloakdpop.core.ProofRequest;
import io.github.keycloakdpop.core.ReplayGuard;

/**
 * A million fresh ES256 proofs through one {@link DPoPProofVerifier} (fast path, default {@link ProofKeyCache}) and
 * a single-use store that forgets each jti once its TTL has passed, as Keycloak's store does: the memory stays
 * bounded by the key cache and by what the replay store must remember (proof rate × TTL), however many proofs and
 * clients come by.
 *
 * <p>Time is simulated: the verifier's clock (and the store's) advances by 1/rate seconds per proof, so TTLs
 * (max age + clock skew, about 21 s with the default policy) really expire while the run takes minutes. Every proof
 * is a real, valid proof with a unique jti and an iat up to 2 s before its simulated arrival. The clients' keys are
 * drawn at random from a population that doubles each interval, from 16 up to 65,536 (far beyond the key cache's
 * 1024): each key is derived from its number, so the signing side holds no key population of its own between
 * intervals. Each interval's proofs are signed first (on every core, with BouncyCastle's lightweight ECDSA), then
 * verified on one thread; only the verification is timed. After each interval the proofs are dropped and the heap
 * is measured after {@code System.gc()}.
 *
 * <p>Usage: ScaleRun [proofs (1000000) [intervals (20) [proofs per simulated second (2000)]]]
 */
public final class ScaleRun {

    private static final int FIRST_POPULATION = 16;
    private static final int MAX_POPULATION = 65_536;
    private static final String SCOPE = "bench";

    public static void main(String[] args) throws Exception {
        long total = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int intervals = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        int chunk = (int) Math.ceil((double) total / intervals);

        SettableClock clock = new SettableClock();
        Instant start = ProofPool.NOW;
        ExpiringReplayStore store = new ExpiringReplayStore(clock);
        ProofKeyCache keyCache = ProofKeyCache.defaults();
        ProofPolicy policy = ProofPolicy.defaults();
        DPoPProofVerifier verifier = new DPoPProofVerifier(policy, clock, store, keyCache);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();

        System.out.printf(Locale.ROOT, "ScaleRun: %,d ES256 proofs in %d intervals; java %s, max heap %d MiB%n", total, intervals,
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf(Locale.ROOT, "simulated arrival rate %,d proofs/s; replay TTL = max age %ds + clock skew %ds (+ rounding); key cache bound %d%n",
                rate, policy.maxAge().toSeconds(), policy.clockSkew().toSeconds(), keyCache.maxEntries());
        System.out.printf("%10s %9s %9s %10s %10s %10s %9s %9s%n",
                "proofs", "clients", "keys", "µs/proof", "cpu µs", "heap MiB", "replay", "key cache");

        long done = 0;
        String lastProof = null;
        double firstHeap = -1;
        double maxHeap = 0;
        int maxReplay = 0;
        for (int interval = 0; done < total; interval++) {
            int population = (int) Math.min((long) FIRST_POPULATION << Math.min(interval, 30), MAX_POPULATION);
            int size = (int) Math.min(chunk, total - done);
            long first = done;
            Signed signed = sign(first, size, population, interval, start, rate);
            List<String> proofs = signed.proofs();
            int distinctKeys = signed.distinctKeys();

            long cpu = threads.getCurrentThreadCpuTime();
            long wall = System.nanoTime();
            for (int i = 0; i < size; i++) {
                clock.set(arrival(start, first + i, rate));
                verifier.verify(new ProofRequest(List.of(proofs.get(i)), ProofPool.HTM, ProofPool.HTU, null, SCOPE));
            }
            double micros = (System.nanoTime() - wall) / 1e3 / size;
            double cpuMicros = (threads.getCurrentThreadCpuTime() - cpu) / 1e3 / size;
            done += size;
            lastProof = proofs.get(size - 1);
            proofs = null;
            signed = null;

            double heap = heapAfterGc(memory);
            firstHeap = firstHeap < 0 ? heap : firstHeap;
            maxHeap = Math.max(maxHeap, heap);
            maxReplay = Math.max(maxReplay, store.size());
            System.out.printf(Locale.ROOT, "%,10d %9d %9d %10.1f %10.1f %10.1f %9d %9d%n",
                    done, population, distinctKeys, micros, cpuMicros, heap, store.size(), keyCache.size());
        }
        System.out.printf(Locale.ROOT, "heap after GC: %.1f MiB after the first interval, at most %.1f MiB; replay store at most %d entries (rate × TTL ≈ %d); key cache at most %d entries%n",
                firstHeap, maxHeap, maxReplay, rate * (policy.maxAge().toSeconds() + policy.clockSkew().toSeconds() + 1), keyCache.maxEntries());
        System.out.println("the last proof sent again: " + replayed(verifier, lastProof));
    }

    record Signed(List<String> proofs, int distinctKeys) {
    }

    /**
     * The proofs of one interval, {@code first} to {@code first + size - 1}, signed on every core: clients drawn at
     * random from {@code population}, each proof's iat 0 to 2 s before its arrival.
     */
    private static Signed sign(long first, int size, int population, int interval, Instant start, int rate) {
        Map<Integer, ProofPool.Ecdsa> keys = new ConcurrentHashMap<>();
        int[] clients = new SplittableRandom(interval).ints(size, 0, population).toArray();
        List<String> proofs = ProofPool.sign(size, i -> {
            long sequence = first + i;
            ProofPool.Ecdsa key = keys.computeIfAbsent(clients[i], ScaleRun::clientKey);
            long arrivalSecond = arrival(start, sequence, rate).getEpochSecond();
            return key.proof(jti(sequence), ProofPool.HTM, ProofPool.HTU, arrivalSecond - sequence % 3, null);
        });
        return new Signed(proofs, keys.size());
    }

    /** The simulated instant the proof with this sequence number arrives. */
    private static Instant arrival(Instant start, long sequence, int rate) {
        return start.plusNanos(sequence * 1_000_000_000L / rate);
    }

    /** Client number → its ES256 key, derived so that the same number always gives the same key. */
    private static ProofPool.Ecdsa clientKey(int client) {
        try {
            byte[] seed = MessageDigest.getInstance("SHA-256").digest(("scale-run-client-" + client).getBytes(StandardCharsets.UTF_8));
            BigInteger n = ProofPool.Ecdsa.domain("ES256").getN();
            return ProofPool.Ecdsa.of("ES256", new BigInteger(1, seed).mod(n.subtract(BigInteger.ONE)).add(BigInteger.ONE));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 16 octets, base64url: the sequence number (unique) and 8 random octets. */
    private static String jti(long sequence) {
        return ProofPool.base64url(ByteBuffer.allocate(16).putLong(sequence).putLong(ThreadLocalRandom.current().nextLong()).array());
    }

    private static double heapAfterGc(MemoryMXBean memory) {
        System.gc();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed() / 1048576.0;
    }

    private static String replayed(DPoPProofVerifier verifier, String proof) {
        try {
            verifier.verify(new ProofRequest(List.of(proof), ProofPool.HTM, ProofPool.HTU, null, SCOPE));
            return "ACCEPTED (the replay store forgot it too early)";
        } catch (DPoPProofException e) {
            return "refused (" + e.getMessage() + ")";
        }
    }

    /**
     * An in-memory single-use store that forgets entries once their TTL has passed, on the given clock: entries are
     * kept in one bucket per expiry second, and every write first drops the buckets whose second is over.
     */
    static final class ExpiringReplayStore implements ReplayGuard {

        private final SettableClock clock;
        private final Set<String> used = new HashSet<>();
        private final TreeMap<Long, List<String>> byExpiry = new TreeMap<>();

        ExpiringReplayStore(SettableClock clock) {
            this.clock = clock;
        }

        @Override
        public synchronized boolean firstUse(String key, long ttlSeconds) {
            long now = clock.millis() / 1000;
            evictBefore(now);
            if (!used.add(key)) {
                return false;
            }
            byExpiry.computeIfAbsent(now + ttlSeconds, second -> new ArrayList<>()).add(key);
            return true;
        }

        synchronized int size() {
            return used.size();
        }

        private void evictBefore(long second) {
            while (!byExpiry.isEmpty() && byExpiry.firstKey() < second) {
                for (String key : byExpiry.pollFirstEntry().getValue()) {
                    used.remove(key);
                }
            }
        }
    }
}
