package io.github.keycloakdpop.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.github.keycloakdpop.bench.Contenders.Contender;
import io.github.keycloakdpop.bench.Contenders.MemoryReplayStore;
import io.github.keycloakdpop.core.ProofKeyCache;

/**
 * The returning-key cost as the number of clients (distinct keys, each coming back in turn) grows past the key
 * cache's bound: flat up to {@link ProofKeyCache#DEFAULT_MAX_ENTRIES}, then the never-seen cost (least recently
 * used order, cycled through, always misses). Points below, at and beyond the bound (1024): 16, 256, 1024, 2048, 8192.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class KeyCacheBench {

    static final int POOL = 2 * ProofKeyCache.DEFAULT_MAX_ENTRIES;

    @Param({"16", "256", "1024", "2048", "8192"})
    public int keys;

    private final MemoryReplayStore replay = new MemoryReplayStore();
    private List<String> proofs;
    private Contender verifier;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        proofs = ProofPool.es256(Math.max(POOL, keys), keys);
        verifier = Contenders.ours(replay, ProofKeyCache.defaults());
    }

    @Benchmark
    public String returningKeys() throws Exception {
        if (next == proofs.size()) {
            next = 0;
            replay.clear();
        }
        return verifier.verify(proofs.get(next++));
    }
}
