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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.github.keycloakdpop.bench.Contenders.Contender;
import io.github.keycloakdpop.bench.Contenders.MemoryReplayStore;
import io.github.keycloakdpop.core.ProofKeyCache;

/**
 * The complete RFC 9449 check of one fresh ES256 proof, per implementation. Each invocation verifies the next
 * proof of a pre-signed pool (a different jti each time); the in-memory replay store is cleared whenever the pool
 * starts over, so it never refuses, and the pool is larger than Spring's fixed 1000-entry jti cache.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class VerifyBench {

    static final int POOL = 2048;
    /** Keys behind the "seen before" pool: few enough to all stay cached, enough not to be one hot key. */
    static final int KNOWN_KEYS = 16;

    /** A proof pool, a replay store and a cursor; the replay store is cleared when the cursor wraps. */
    @State(Scope.Thread)
    public abstract static class Pool {
        final MemoryReplayStore replay = new MemoryReplayStore();
        List<String> proofs;
        int next;

        String nextProof() {
            if (next == proofs.size()) {
                next = 0;
                replay.clear();
                wrapped();
            }
            return proofs.get(next++);
        }

        void wrapped() {
        }
    }

    /** Proofs from {@link #KNOWN_KEYS} keys, which every verifier has seen before the measurement starts. */
    public static class KnownKeys extends Pool {
        final ProofKeyCache cache = ProofKeyCache.defaults();
        Contender oursFast;
        Contender oursReference;
        Contender jose4j;
        Contender nimbus;
        Contender spring;
        Contender keycloak;

        @Setup(Level.Trial)
        public void setUp() {
            proofs = ProofPool.es256(POOL, KNOWN_KEYS);
            oursFast = Contenders.ours(replay, cache);
            oursReference = Contenders.ours(replay, null);
            jose4j = Contenders.jose4j(replay);
            nimbus = Contenders.nimbus(replay);
            spring = Contenders.spring();
            keycloak = Contenders.keycloak(replay);
        }
    }

    /** Every proof with its own key, and a key cache far smaller than the pool: each proof is a key never seen. */
    public static class NewKeys extends Pool {
        final ProofKeyCache cache = new ProofKeyCache(256, ProofKeyCache.DEFAULT_MAX_AGE);
        Contender oursFast;

        @Setup(Level.Trial)
        public void setUp() {
            proofs = ProofPool.es256(POOL, POOL);
            oursFast = Contenders.ours(replay, cache);
        }
    }

    @Benchmark
    public String oursFastKeySeenBefore(KnownKeys pool) throws Exception {
        return pool.oursFast.verify(pool.nextProof());
    }

    @Benchmark
    public String oursFastKeyNeverSeen(NewKeys pool) throws Exception {
        return pool.oursFast.verify(pool.nextProof());
    }

    @Benchmark
    public String oursJose4jReference(KnownKeys pool) throws Exception {
        return pool.oursReference.verify(pool.nextProof());
    }

    @Benchmark
    public String jose4jJwtConsumer(KnownKeys pool) throws Exception {
        return pool.jose4j.verify(pool.nextProof());
    }

    @Benchmark
    public String nimbusDPoPVerifier(KnownKeys pool) throws Exception {
        return pool.nimbus.verify(pool.nextProof());
    }

    @Benchmark
    public String springDPoPDecoder(KnownKeys pool) throws Exception {
        return pool.spring.verify(pool.nextProof());
    }

    @Benchmark
    public String keycloakBcJca(KnownKeys pool) throws Exception {
        return pool.keycloak.verify(pool.nextProof());
    }
}
